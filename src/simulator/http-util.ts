/** Request/response plumbing shared by the Entra ID and Graph routes. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Larger than any legitimate body (650 GUIDs are ~26 KB); stops a runaway client from filling memory. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(
        chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)).toString('utf8') : Buffer.concat(chunks).toString('utf8'),
      ),
    );
    request.on('error', reject);
  });
}

export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** Bytes as they go on the wire; presence bodies are built as a Buffer. */
  body: string | Buffer;
}

export function send(response: ServerResponse, reply: Reply): void {
  if (response.destroyed || response.headersSent) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  response.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
  response.end(body);
}

export const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
export const PLAIN_JSON = 'application/json; charset=utf-8';

/** Graph's `innerError.date` has no fraction and no zone designator. */
function graphErrorDate(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19);
}

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** Graph echoes `client-request-id` and makes one up when the caller sent none. */
export function requestIds(request: IncomingMessage): RequestIds {
  const requestId = randomUUID();
  return { requestId, clientRequestId: headerValue(request, 'client-request-id') ?? requestId };
}

export function graphHeaders(ids: RequestIds): Record<string, string> {
  return {
    'content-type': GRAPH_JSON,
    'request-id': ids.requestId,
    'client-request-id': ids.clientRequestId,
    'cache-control': 'no-cache',
    'strict-transport-security': 'max-age=31536000',
  };
}

/** Graph's error envelope: `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}`. */
export function graphError(
  status: number,
  code: string,
  message: string,
  ids: RequestIds,
  nowMs: number,
  extraHeaders: Record<string, string> = {},
): Reply {
  const body = JSON.stringify({
    error: {
      code,
      message,
      innerError: {
        date: graphErrorDate(nowMs),
        'request-id': ids.requestId,
        'client-request-id': ids.clientRequestId,
      },
    },
  });
  return { status, headers: { ...graphHeaders(ids), ...extraHeaders }, body };
}

/** Entra ID's OAuth error body; the description embeds trace/correlation ids and a timestamp, as the real one does. */
export function aadError(
  status: number,
  error: string,
  aadsts: number,
  text: string,
  correlationId: string,
  nowMs: number,
): Reply {
  const traceId = randomUUID();
  const timestamp = `${new Date(nowMs).toISOString().slice(0, 19).replace('T', ' ')}Z`;
  const body = JSON.stringify({
    error,
    error_description: `AADSTS${aadsts}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  });
  return { status, headers: aadHeaders(traceId, correlationId), body };
}

export function aadHeaders(requestId: string, correlationId: string): Record<string, string> {
  return {
    'content-type': PLAIN_JSON,
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'x-ms-request-id': requestId,
    'client-request-id': correlationId,
  };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': PLAIN_JSON, ...headers }, body: JSON.stringify(value) };
}
