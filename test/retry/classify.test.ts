import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { isRetriable, isRetriableHttpStatus } from '../../src/retry/classify.js';

describe('isRetriable', () => {
  it('retries a ConnectorError that says it is retriable, and no other', () => {
    expect(isRetriable(new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'down', { retriable: true }))).toBe(true);
    expect(isRetriable(new ConnectorError(ErrorCodes.SINK_FENCED, 'fenced'))).toBe(false);
  });

  it('never retries a bug: TypeError, plain Error, or a thrown non-error', () => {
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriable(new Error('boom'))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
    expect(isRetriable(Object.assign(new Error('looks retriable'), { retriable: true }))).toBe(false);
  });
});

describe('isRetriableHttpStatus', () => {
  it('retries timeouts, throttling and transient server errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetriableHttpStatus(status)).toBe(true);
  });

  it('does not retry answers a retry would repeat', () => {
    for (const status of [200, 400, 401, 403, 404, 409, 501]) expect(isRetriableHttpStatus(status)).toBe(false);
  });
});
