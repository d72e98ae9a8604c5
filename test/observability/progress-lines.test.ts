import { describe, expect, it } from 'vitest';
import {
  emptyCounts,
  emptyShardWindow,
  firstCycleProgressLine,
  notReadyLine,
  readyLine,
  shardSummaryLine,
  workerSummaryLine,
} from '../../src/observability/progress-lines.js';

describe('progress lines', () => {
  it('keep every number a number in the fields and format only the message', () => {
    const window = {
      ...emptyShardWindow(),
      usersPolled: 1_234_567,
      changes: 12_000,
      cycles: 1,
      longestCycleMs: 61_000,
    };
    const line = shardSummaryLine('emea', window, { elapsedMs: 60_000, intervalMs: 60_000, watermarkAgeMs: 1_500 });
    expect(line.fields).toMatchObject({ usersPolled: 1_234_567, changes: 12_000, longestCycleMs: 61_000 });
    expect(line.msg).toContain('1,234,567 users polled, longest cycle 61 s of the 60 s interval');
    expect(line.msg).toContain('12,000 changes');
    expect(line.msg).toContain('watermark 1.5 s old');
  });

  it('give a first cycle of a shard without users no share', () => {
    expect(firstCycleProgressLine('empty', emptyCounts(), 0).msg).toBe(
      'shard empty: first cycle, 0 of 0 users polled, 0 events published',
    );
    const more = firstCycleProgressLine('emea', { ...emptyCounts(), usersPolled: 700 }, 650).msg;
    expect(more).toContain('700 of 650 users polled (100%)');
  });

  it('tell a worker with no budget used from one with a little', () => {
    const context = {
      elapsedMs: 60_000,
      shards: 1,
      budget: { maxRequests: 1_500, windowMs: 30_000 },
      status: { live: true, ready: true, reasons: [] },
    };
    expect(workerSummaryLine({ requests: 0, throttled: 0 }, context).msg).toContain('0% of its budget share');
    expect(workerSummaryLine({ requests: 2, throttled: 0 }, context).msg).toContain('<1% of its budget share');
  });

  it('join the reasons a worker is not ready', () => {
    expect(notReadyLine(['Kafka not connected yet', 'shard emea stopped: GRAPH_FORBIDDEN'])).toEqual({
      fields: { reasons: ['Kafka not connected yet', 'shard emea stopped: GRAPH_FORBIDDEN'] },
      msg: 'worker no longer ready: Kafka not connected yet; shard emea stopped: GRAPH_FORBIDDEN',
    });
    expect(readyLine({ shards: 3, users: 1, again: false, waitedMs: 125_000 })).toEqual({
      fields: { shards: 3, users: 1, sinceStartMs: 125_000 },
      msg: 'worker ready after 2 min: 3 shards, 1 user, every shard completed a clean cycle',
    });
  });
});
