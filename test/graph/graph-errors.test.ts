import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { graphErrorCode, graphTransportFailure } from '../../src/graph/index.js';

function thrown(run: () => never): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('graphErrorCode', () => {
  it('reads error.code, and nothing from a body that is not Graph error JSON', () => {
    expect(graphErrorCode('{"error":{"code":"TooManyRequests","message":"m"}}')).toBe('TooManyRequests');
    expect(graphErrorCode('not json')).toBeUndefined();
    expect(graphErrorCode('{"value":[]}')).toBeUndefined();
  });
});

describe('graphTransportFailure', () => {
  it('makes a timeout and a connection error retriable, each with its own code and the cause kept', () => {
    const cause = new Error('ECONNRESET');
    expect(thrown(() => graphTransportFailure(cause, true, 250))).toMatchObject({
      code: ErrorCodes.GRAPH_TIMEOUT,
      retriable: true,
      message: 'Graph did not answer within 250 ms',
      cause,
    });
    expect(thrown(() => graphTransportFailure(cause, false, 250))).toMatchObject({
      code: ErrorCodes.GRAPH_NETWORK,
      retriable: true,
      cause,
    });
  });
});
