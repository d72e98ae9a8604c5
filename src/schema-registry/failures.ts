import { ConnectorError, ErrorCodes } from '../errors.js';
import { isRetriableHttpStatus } from '../retry/index.js';

/**
 * Turns what a registry answered (or failed to answer) into ConnectorErrors. Callers branch on the code and the
 * retriable flag; details carry the subject, HTTP status and registry error code, never a credential.
 */

/** Registry error codes (`error_code` in an error body) that the client answers itself. */
export const RegistryErrorCodes = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  /** Confluent 7.x: the subject exists but has no compatibility level of its own. */
  SUBJECT_LEVEL_NOT_CONFIGURED: 40408,
} as const;

export type AuthKind = 'basic' | 'bearer' | 'none';

export interface RequestContext {
  /** What the client was doing, for the message: `register`, `lookup`, ... */
  operation: string;
  subject?: string;
  authKind: AuthKind;
}

export interface RegistryAnswer {
  status: number;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
}

/** The registry's own error code and message from an error body, when it sent one. */
export function registryError(body: unknown): { errorCode: number | undefined; message: string | undefined } {
  if (typeof body !== 'object' || body === null) return { errorCode: undefined, message: undefined };
  const errorCode = 'error_code' in body && typeof body.error_code === 'number' ? body.error_code : undefined;
  const message = 'message' in body && typeof body.message === 'string' ? body.message : undefined;
  return { errorCode, message };
}

const CREDENTIAL_HINT: Record<AuthKind, string> = {
  basic:
    'check the schema registry basic-auth credentials (username and password; on Confluent Cloud the registry ' +
    "API key and secret, which differ from the Kafka cluster's) and that they are allowed on this subject",
  bearer: 'check the schema registry bearer token: that it is current and allowed on this subject',
  none: 'the registry requires credentials and none are configured: set basic-auth credentials or a bearer token',
};

/** A non-2xx answer the calling operation did not handle itself. */
export function httpFailure(context: RequestContext, answer: RegistryAnswer): ConnectorError {
  const { status } = answer;
  const { errorCode, message: registryMessage } = registryError(answer.body);
  const details = { operation: context.operation, subject: context.subject, status, errorCode };
  const about = context.subject === undefined ? '' : ` for subject "${context.subject}"`;
  const reason = registryMessage === undefined ? '' : `: ${registryMessage}`;
  if (status === 401 || status === 403) {
    return new ConnectorError(
      ErrorCodes.SCHEMA_REGISTRY_UNAUTHORIZED,
      `the schema registry refused ${context.operation}${about} (HTTP ${status}): ${CREDENTIAL_HINT[context.authKind]}`,
      { details },
    );
  }
  if (status === 409) {
    return new ConnectorError(
      ErrorCodes.SCHEMA_INCOMPATIBLE,
      `the schema registry refused the schema${about} as incompatible (HTTP 409)${reason}`,
      { details },
    );
  }
  if (status === 422) {
    return new ConnectorError(
      ErrorCodes.SCHEMA_INVALID,
      `the schema registry rejected the schema${about} as invalid (HTTP 422)${reason}`,
      { details },
    );
  }
  if (isRetriableHttpStatus(status) || status >= 500) {
    return new ConnectorError(
      ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE,
      `the schema registry answered ${context.operation}${about} with HTTP ${status}${reason}`,
      { details, retriable: isRetriableHttpStatus(status) },
    );
  }
  if (status === 404 && errorCode === undefined) {
    // A 404 without a registry error code comes from a web server, not a registry: most often a base URL without
    // the API path.
    return new ConnectorError(
      ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED,
      `the schema registry URL answered ${context.operation}${about} with a plain HTTP 404: is it the API base ` +
        '(for Apicurio Registry, .../apis/ccompat/v7)?',
      { details },
    );
  }
  return new ConnectorError(
    ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED,
    `the schema registry refused ${context.operation}${about} (HTTP ${status})${reason}`,
    { details },
  );
}

/** A 404 for a schema id or a version that the registry does not hold. */
export function notFound(context: RequestContext, answer: RegistryAnswer, what: string): ConnectorError {
  const { errorCode } = registryError(answer.body);
  if (errorCode === undefined) return httpFailure(context, answer);
  return new ConnectorError(ErrorCodes.SCHEMA_NOT_FOUND, `the schema registry has no ${what}`, {
    details: { operation: context.operation, subject: context.subject, status: answer.status, errorCode },
  });
}

/** A 2xx answer whose body is not what the Confluent API documents. */
export function badResponse(context: RequestContext, answer: RegistryAnswer, expected: string): ConnectorError {
  return new ConnectorError(
    ErrorCodes.SCHEMA_REGISTRY_BAD_RESPONSE,
    `the schema registry answered ${context.operation} with HTTP ${answer.status} but not ${expected}`,
    { details: { operation: context.operation, subject: context.subject, status: answer.status } },
  );
}

/** No answer at all: a timeout or a connection failure, both worth retrying. */
export function transportFailure(
  context: RequestContext,
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
): ConnectorError {
  const details = { operation: context.operation, subject: context.subject, status: undefined, errorCode: undefined };
  const message = timedOut
    ? `the schema registry did not answer ${context.operation} within ${timeoutMs} ms`
    : `could not reach the schema registry for ${context.operation}${systemCode(error)}`;
  return new ConnectorError(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE, message, {
    cause: error,
    retriable: true,
    details,
  });
}

/** ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET...: the one word an operator needs, from undici's error or its cause. */
function systemCode(error: unknown): string {
  for (let current: unknown = error, depth = 0; depth < 3; depth++) {
    if (typeof current !== 'object' || current === null) break;
    if ('code' in current && typeof current.code === 'string') return ` (${current.code})`;
    current = 'cause' in current ? current.cause : undefined;
  }
  return '';
}
