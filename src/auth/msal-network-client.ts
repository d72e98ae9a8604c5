import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { request, type Dispatcher } from 'undici';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * MSAL's own client uses node:https and would ignore our CA bundle and connection pool; this one sends MSAL's
 * requests through the connector's undici dispatcher instead.
 */
export function createMsalNetworkClient(dispatcher: Dispatcher, timeoutMs = DEFAULT_TIMEOUT_MS): INetworkModule {
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) =>
      send<T>(dispatcher, 'GET', url, options, timeout ?? timeoutMs),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) =>
      send<T>(dispatcher, 'POST', url, options, timeoutMs),
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
