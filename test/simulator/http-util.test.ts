import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  aadError,
  BodyTooLargeError,
  graphError,
  json,
  MAX_BODY_BYTES,
  readBody,
  requestIds,
} from '../../src/simulator/http-util.js';

function message(chunks: Buffer[], headers: Record<string, string | string[]> = {}): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.headers = headers;
  for (const chunk of chunks) request.push(chunk);
  request.push(null);
  return request;
}

const NOW = Date.parse('2026-01-20T10:15:02.123Z');

describe('http-util', () => {
  it('reads a body from one or many chunks, UTF-8 split across chunks included', async () => {
    expect(await readBody(message([]))).toBe('');
    expect(await readBody(message([Buffer.from('{"ids":[]}')]))).toBe('{"ids":[]}');
    const bytes = Buffer.from('{"x":"é"}', 'utf8');
    expect(await readBody(message([bytes.subarray(0, 7), bytes.subarray(7)]))).toBe('{"x":"é"}');
  });

  it('refuses a body over the limit', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES / 2 + 1, 0x20);
    await expect(readBody(message([big, big]))).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it("echoes the caller's client-request-id, or makes one up", () => {
    const echoed = requestIds(message([], { 'client-request-id': 'abc' }));
    expect(echoed.clientRequestId).toBe('abc');
    expect(echoed.requestId).not.toBe('abc');
    const first = requestIds(message([], { 'client-request-id': ['one', 'two'] }));
    expect(first.clientRequestId).toBe('one');
    const made = requestIds(message([]));
    expect(made.clientRequestId).toBe(made.requestId);
  });

  it("writes Graph's error envelope with a zoneless date and the ids", () => {
    const reply = graphError(429, 'TooManyRequests', 'Slow down.', { requestId: 'r', clientRequestId: 'c' }, NOW, {
      'retry-after': '1.5',
    });
    expect(reply.status).toBe(429);
    expect(reply.headers).toMatchObject({ 'request-id': 'r', 'client-request-id': 'c', 'retry-after': '1.5' });
    expect(JSON.parse(String(reply.body))).toEqual({
      error: {
        code: 'TooManyRequests',
        message: 'Slow down.',
        innerError: { date: '2026-01-20T10:15:02', 'request-id': 'r', 'client-request-id': 'c' },
      },
    });
  });

  it("writes Entra ID's OAuth error with the AADSTS code in the description", () => {
    const reply = aadError(401, 'invalid_client', 7000215, 'Bad secret.', 'corr-1', NOW);
    const body = JSON.parse(String(reply.body)) as Record<string, unknown>;
    expect(body).toMatchObject({
      error: 'invalid_client',
      error_codes: [7000215],
      correlation_id: 'corr-1',
      timestamp: '2026-01-20 10:15:02Z',
    });
    expect(String(body['error_description'])).toMatch(
      /^AADSTS7000215: Bad secret\. Trace ID: [0-9a-f-]{36} Correlation ID: corr-1 Timestamp: 2026-01-20 10:15:02Z$/,
    );
    expect(reply.headers['x-ms-request-id']).toBe(body['trace_id']);
    expect(json(200, { a: 1 }, { x: 'y' })).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', x: 'y' },
      body: '{"a":1}',
    });
  });
});
