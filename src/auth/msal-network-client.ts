import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { request, type Dispatcher } from 'undici';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { parseRetryAfterMs } from '../retry/index.js';

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
   * never sees a 429 or 5xx of the token endpoint (see below), so the token provider reads both here.
   */
  lastErrorAnswer(): ErrorAnswer | undefined;
}

/** What an error answer of Entra ID says: `error`, the AADSTS numbers, the description and its Retry-After. */
export interface ErrorAnswer {
  status: number;
  error: string | undefined;
  errorCodes: string[];
  description: string | undefined;
  /** The answer's Retry-After, in milliseconds (delay-seconds or an HTTP date). */
  retryAfterMs: number | undefined;
}

/** The `error` a body that is not JSON is handed to MSAL as, so that the token provider can name the fault. */
export const UNREADABLE_ANSWER = 'connector_unreadable_answer';

/**
 * A 429 or 5xx of the token endpoint is not handed to MSAL: MSAL would remember it and refuse every token request
 * for its Retry-After, or for 60 s when there is none, without a request and without saying why. The sign-in gate
 * backs off instead (honouring Retry-After), so there is one schedule, and every refusal has its cause.
 */
function withheldFromMsal(method: 'GET' | 'POST', status: number): boolean {
  return method === 'POST' && (status === 429 || status >= 500);
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
    let response: NetworkResponse<T>;
    try {
      response = await send<T>(dispatcher, method, url, options, timeout);
    } catch (error) {
      lastErrorAnswer = undefined;
      lastFailure = transportFailure(method, url, error, timeout);
      throw lastFailure;
    }
    lastFailure = undefined;
    lastErrorAnswer = response.status >= 400 ? errorAnswer(response) : undefined;
    if (withheldFromMsal(method, response.status)) {
      throw new ConnectorError(ErrorCodes.AUTH_FAILED, `the token endpoint answered HTTP ${response.status}`, {
        retriable: true,
        details: { status: response.status },
      });
    }
    return response;
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
  const headers = flattenHeaders(response.headers);
  return { status: response.statusCode, headers, body: parseBody<T>(response.statusCode, headers, text) };
}

/**
 * Names the endpoint and the transport's reason. Only origin and path: the request body (which carries the client
 * secret or assertion) and headers never go into the message.
 */
function transportFailure(method: string, url: string, error: unknown, timeoutMs: number): ConnectorError {
  const parsed = new URL(url);
  const timedOut = error instanceof Error && error.name === 'TimeoutError';
  const reason = timedOut ? `no answer within ${timeoutMs / 1000} s` : reasonChain(error);
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

function errorAnswer({ status, body, headers }: NetworkResponse<unknown>): ErrorAnswer {
  const fields = new Map<string, unknown>(typeof body === 'object' && body !== null ? Object.entries(body) : []);
  const error = fields.get('error');
  const description = fields.get('error_description');
  const codes = fields.get('error_codes');
  return {
    status,
    error: typeof error === 'string' ? error : undefined,
    errorCodes: Array.isArray(codes) ? codes.map(String) : [],
    description: typeof description === 'string' ? description : undefined,
    retryAfterMs: parseRetryAfterMs(headers['retry-after']),
  };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseBody<T>(status: number, headers: Record<string, string>, text: string): T {
  // MSAL inspects error bodies itself; a non-JSON body is handed over as an error it reports, and we recognise.
  try {
    return JSON.parse(text) as T;
  } catch {
    const type = headers['content-type'] ?? 'no content-type';
    return {
      error: UNREADABLE_ANSWER,
      error_description: `HTTP ${status} answer is not JSON (${type}, ${text.length} bytes)`,
    } as T;
  }
}
