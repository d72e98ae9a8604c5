import { ConnectorError, ErrorCodes } from '../errors.js';

/**
 * A Graph request that got no answer: a timeout or a connection error. Both are retriable, so they follow the
 * same backoff path as a 5xx. Shared by every Graph client of the connector (presence, directory).
 */
export function graphTransportFailure(error: unknown, timedOut: boolean, timeoutMs: number): never {
  if (timedOut) {
    throw new ConnectorError(ErrorCodes.GRAPH_TIMEOUT, `Graph did not answer within ${timeoutMs} ms`, {
      cause: error,
      retriable: true,
    });
  }
  throw new ConnectorError(ErrorCodes.GRAPH_NETWORK, 'could not reach Microsoft Graph', {
    cause: error,
    retriable: true,
  });
}

/** `error.code` of Graph's error body, if the body is one. */
export function graphErrorCode(bodyText: string): string | undefined {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const error: unknown = body.error;
      if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
    }
    return undefined;
  } catch {
    return undefined; // an error body that is not JSON simply has no Graph error code
  }
}
