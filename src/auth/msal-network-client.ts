import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { request, type Dispatcher } from 'undici';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** MSAL's network module, plus the last transport failure, which MSAL itself reports only as an error code. */
export interface MsalNetworkClient extends INetworkModule {
  /**
   * The most recent request that failed before any HTTP response (proxy refused the tunnel, untrusted certificate,
   * timeout), or undefined. MSAL turns such failures into `endpoints_resolution_error` without the reason, so the
   * token provider can add this to its own error.
   */
  lastFailure(): ConnectorError | undefined;
  /**
   * The most recent answer with an error status (4xx, 5xx), or undefined once a later request succeeded or got no
   * answer. MSAL drops the body of a failed OpenID discovery (a wrong tenant answers 400 AADSTS90002 there), and
   * keeps no status when it throttles a 5xx/429 itself, so the token provider reads both here.
   */
  lastErrorAnswer(): ErrorAnswer | undefined;
}

/** What an error answer of Entra ID says: `error`, the AADSTS numbers and the description. */
export interface ErrorAnswer {
  status: number;
  error: string | undefined;
  errorCodes: string[];
  description: string | undefined;
}

/**
 * MSAL's own client uses node:https and would ignore our CA bundle, proxy and connection pool; this one sends
 * MSAL's requests through the connector's undici dispatcher instead.
 */
export function createMsalNetworkClient(dispatcher: Dispatcher, timeoutMs = DEFAULT_TIMEOUT_MS): MsalNetworkClient {
  let lastFailure: ConnectorError | undefined;
  let lastErrorAnswer: ErrorAnswer | undefined;
  const sendTracked = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout: number,
  ) => {
    try {
      const response = await send<T>(dispatcher, method, url, options, timeout);
      lastFailure = undefined;
      lastErrorAnswer = response.status >= 400 ? errorAnswer(response.status, response.body) : undefined;
      return response;
    } catch (error) {
      lastErrorAnswer = undefined;
      lastFailure = transportFailure(method, url, error);
      throw lastFailure;
    }
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
      sendTracked<T>('GET', url, options, timeout ?? timeoutMs),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      sendTracked<T>('POST', url, options, timeoutMs),
    lastFailure: () => lastFailure,
    lastErrorAnswer: () => lastErrorAnswer,
  };
}

async function send<T>(
  dispatcher: Dispatcher,
  method: 'GET' | 'POST',
  url: string,
  options: NetworkRequestOptions | undefined,
  timeoutMs: number,
): Promise<NetworkResponse<T>> {
  const response = await request(url, {
    method,
    dispatcher,
    headers: options?.headers,
    body: method === 'POST' ? options?.body : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: flattenHeaders(response.headers), body: parseBody<T>(text) };
}

/**
 * Names the endpoint and the transport's reason. Only origin and path: the request body (which carries the client
 * secret or assertion) and headers never go into the message.
 */
function transportFailure(method: string, url: string, error: unknown): ConnectorError {
  const parsed = new URL(url);
  const reason = reasonChain(error);
  return new ConnectorError(
    ErrorCodes.AUTH_FAILED,
    `sign-in request ${method} ${parsed.origin}${parsed.pathname} failed: ${reason}`,
    {
      cause: error,
      retriable: true,
      details: { endpoint: `${parsed.origin}${parsed.pathname}` },
    },
  );
}

/** undici nests the useful part ("Proxy response (403)", "unable to verify the first certificate") in causes. */
function reasonChain(error: unknown): string {
  const messages: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    const message = toError(current).message;
    if (message !== '' && !messages.includes(message)) messages.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(': ') || 'unknown network error';
}

function errorAnswer(status: number, body: unknown): ErrorAnswer {
  const fields = new Map<string, unknown>(typeof body === 'object' && body !== null ? Object.entries(body) : []);
  const error = fields.get('error');
  const description = fields.get('error_description');
  const codes = fields.get('error_codes');
  return {
    status,
    error: typeof error === 'string' ? error : undefined,
    errorCodes: Array.isArray(codes) ? codes.map(String) : [],
    description: typeof description === 'string' ? description : undefined,
  };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseBody<T>(text: string): T {
  // MSAL inspects error bodies itself; a non-JSON body is handed over as an object it can report.
  try {
    return JSON.parse(text) as T;
  } catch {
    return { error: 'invalid_response', error_description: text.slice(0, 500) } as T;
  }
}
