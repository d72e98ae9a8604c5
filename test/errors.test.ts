import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes, isConnectorError, toError } from '../src/errors.js';

describe('ConnectorError', () => {
  it('carries its code, retriable flag, details and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away', {
      cause,
      retriable: true,
      details: { broker: 'k1:9092' },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConnectorError');
    expect(error.code).toBe('SINK_UNAVAILABLE');
    expect(error.retriable).toBe(true);
    expect(error.details).toEqual({ broker: 'k1:9092' });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('broker away');
  });

  it('is not retriable and has no cause unless told', () => {
    const error = new ConnectorError(ErrorCodes.CONFIG_INVALID, 'bad');
    expect(error.retriable).toBe(false);
    expect(error.details).toEqual({});
    expect('cause' in error).toBe(false);
  });

  it('keeps its details enumerable, so JSON loggers print them', () => {
    const error = new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'no permission', { details: { shard: 'emea' } });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: 'GRAPH_FORBIDDEN', details: { shard: 'emea' } });
  });
});

describe('isConnectorError', () => {
  it('matches any ConnectorError, or only the given code', () => {
    const error = new ConnectorError(ErrorCodes.SINK_FENCED, 'fenced');
    expect(isConnectorError(error)).toBe(true);
    expect(isConnectorError(error, ErrorCodes.SINK_FENCED)).toBe(true);
    expect(isConnectorError(error, ErrorCodes.SINK_CLOSED)).toBe(false);
    expect(isConnectorError(new Error('plain'))).toBe(false);
    expect(isConnectorError({ code: 'SINK_FENCED' })).toBe(false);
  });
});

describe('ErrorCodes', () => {
  it('maps every code to its own name, so a code reads the same in logs and in code', () => {
    for (const [name, code] of Object.entries(ErrorCodes)) expect(code).toBe(name);
  });
});

describe('toError', () => {
  it('passes an Error through and wraps anything else without losing it', () => {
    const error = new TypeError('x');
    expect(toError(error)).toBe(error);
    expect(toError('text').message).toBe('text');
    expect(toError(42).message).toBe('42');
  });
});
