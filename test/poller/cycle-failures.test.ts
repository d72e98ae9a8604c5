import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { causeOf, groupFailures } from '../../src/poller/index.js';

describe('causeOf', () => {
  it('is the code plus the sign-in reason or the HTTP status, so one outage is one cause', () => {
    const signIn = new ConnectorError(ErrorCodes.AUTH_FAILED, 'x', { details: { reason: 'wrong-secret' } });
    expect(causeOf(signIn)).toBe('AUTH_FAILED:wrong-secret');
    const unavailable = (status: number) =>
      new ConnectorError(ErrorCodes.GRAPH_UNAVAILABLE, `HTTP ${status}`, { details: { status } });
    expect(causeOf(unavailable(503))).toBe('GRAPH_UNAVAILABLE:503');
    expect(causeOf(unavailable(504))).toBe('GRAPH_UNAVAILABLE:504');
    expect(causeOf(new ConnectorError(ErrorCodes.GRAPH_TIMEOUT, 'slow'))).toBe('GRAPH_TIMEOUT');
    expect(causeOf(new TypeError('bug'))).toBe('TypeError');
  });
});

describe('groupFailures', () => {
  it('counts failures by step and cause in the order causes first appear, keeping the first error', () => {
    const timeout = new ConnectorError(ErrorCodes.GRAPH_TIMEOUT, 'slow', { retriable: true });
    const broker = new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'away', { retriable: true });
    const groups = groupFailures([
      { step: 'batch', error: timeout },
      { step: 'batch', error: broker },
      { step: 'batch', error: new ConnectorError(ErrorCodes.GRAPH_TIMEOUT, 'slow again', { retriable: true }) },
      { step: 'watermark', error: broker },
      { step: 'batch', error: 'a string thrown by a bug' },
    ]);
    expect(groups.map(({ step, cause, count }) => [step, cause, count])).toEqual([
      ['batch', 'GRAPH_TIMEOUT', 2],
      ['batch', 'SINK_UNAVAILABLE', 1],
      ['watermark', 'SINK_UNAVAILABLE', 1],
      ['batch', 'Error', 1],
    ]);
    expect(groups[0]?.error).toBe(timeout);
  });
});
