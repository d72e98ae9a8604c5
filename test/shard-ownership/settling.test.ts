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

  it('says nothing above debug for the first retries, then warns with the reason and code but no stack', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    let calls = 0;
    await retryWhileSettling('take over shards', capture, new AbortController().signal, async () => {
      calls++;
      if (calls < 5) throw settling();
      return 'ready';
    });
    const warnings = lines.filter((line) => (line['level'] as number) >= 40);
    expect(warnings.map((line) => line['attempt'])).toEqual([3, 4]);
    for (const warning of warnings) {
      expect(warning).toMatchObject({
        error: 'no leader yet',
        code: 'SINK_UNAVAILABLE',
        msg: 'could not take over shards yet; retrying',
      });
      expect(JSON.stringify(warning)).not.toContain('    at ');
    }
    expect(lines.filter((line) => line['level'] === 20)).toHaveLength(4);
  });
});
