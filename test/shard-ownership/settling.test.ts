import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { retryWhileSettling } from '../../src/shard-ownership/settling.js';

const logger = pino({ level: 'silent' });
const settling = () => new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'no leader yet', { retriable: true });

describe('retryWhileSettling', () => {
  it('retries a retriable failure until the step succeeds', async () => {
    let calls = 0;
    const result = await retryWhileSettling('prepare', logger, new AbortController().signal, async () => {
      calls++;
      if (calls < 2) throw settling();
      return 'ready';
    });
    expect(result).toBe('ready');
    expect(calls).toBe(2);
  });

  it('throws a failure that is not retriable at once: a bug does not loop', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    let calls = 0;
    const step = async () => {
      calls++;
      throw bug;
    };
    await expect(retryWhileSettling('prepare', logger, new AbortController().signal, step)).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it('gives up with the last failure once the worker stops', async () => {
    const stop = new AbortController();
    stop.abort();
    const failure = settling();
    let calls = 0;
    const step = async () => {
      calls++;
      throw failure;
    };
    await expect(retryWhileSettling('prepare', logger, stop.signal, step)).rejects.toBe(failure);
    expect(calls).toBe(1);
  });
});
