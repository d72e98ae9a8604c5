import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import type { PresenceBatchResult } from '../../src/graph/index.js';
import { ShardPoller, type CompletedCycle, type CycleReport } from '../../src/poller/index.js';

const logger = pino({ level: 'silent' });
const ids = (count: number) => Array.from({ length: count }, (_, index) => `user-${index}`);
const empty = (batch: readonly string[]): PresenceBatchResult => ({
  presences: [],
  missingIds: [...batch],
  rejectedIds: [],
});

describe('ShardPoller', () => {
  it('splits a shard into batches of at most batchSize ids', async () => {
    const sizes: number[] = [];
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(1401) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 650,
      fetchBatch: async (batch) => {
        sizes.push(batch.length);
        return empty(batch);
      },
      deliverBatch: async () => undefined,
      logger,
    });
    const report = await poller.pollOnce();
    expect(sizes.sort((a, b) => b - a)).toEqual([650, 650, 101]);
    expect(report).toMatchObject({ batches: 3, failedBatches: 0 });
  });

  it('never overlaps cycles: a slow cycle delays the next one', async () => {
    let running = 0;
    let maxRunning = 0;
    const reports: CycleReport[] = [];
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(3) },
      intervalMs: 20,
      startDelayMs: 0,
      batchSize: 1,
      fetchBatch: async (batch) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(60);
        running--;
        return empty(batch);
      },
      deliverBatch: async () => undefined,
      logger,
      observer: { onCycle: (report) => reports.push(report) },
    });
    poller.start();
    await sleep(250);
    await poller.stop();
    // The three batches of one cycle run together; a second cycle never joins them.
    expect(maxRunning).toBe(3);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.length).toBeLessThanOrEqual(5);
  });

  it('quarantines rejected ids and does not request them again', async () => {
    const requested: string[][] = [];
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(4) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 650,
      fetchBatch: async (batch) => {
        requested.push([...batch]);
        return { presences: [], missingIds: [], rejectedIds: batch.includes('user-2') ? ['user-2'] : [] };
      },
      deliverBatch: async () => undefined,
      logger,
    });
    await poller.pollOnce();
    await poller.pollOnce();
    expect(requested[1]).toEqual(['user-0', 'user-1', 'user-3']);
  });

  it('plans again when the shard gets a new user list, and polls the same batches while nothing changed', async () => {
    let users = ids(3);
    const requested: Array<readonly string[]> = [];
    const poller = new ShardPoller({
      // As a discovered shard: the list is read at each use, and replaced when membership changes.
      shard: {
        name: 's',
        get userIds() {
          return users;
        },
      },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 2,
      fetchBatch: async (batch) => {
        requested.push(batch);
        return empty(batch);
      },
      deliverBatch: async () => undefined,
      logger,
    });
    await poller.pollOnce();
    await poller.pollOnce();
    users = [...users.slice(1), 'user-new'];
    await poller.pollOnce();
    expect(requested.map((batch) => [...batch])).toEqual([
      ['user-0', 'user-1'],
      ['user-2'],
      ['user-0', 'user-1'],
      ['user-2'],
      ['user-1', 'user-2'],
      ['user-new'],
    ]);
    // The second cycle sent the very batches of the first: nothing was copied again.
    expect(requested[2]).toBe(requested[0]);
    expect(requested[3]).toBe(requested[1]);
  });

  it('stops a shard that Graph refuses with 403 and reports why', async () => {
    const stopped: string[] = [];
    let calls = 0;
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(1) },
      intervalMs: 10,
      startDelayMs: 0,
      batchSize: 650,
      fetchBatch: async () => {
        calls++;
        throw new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'needs Presence.Read.All');
      },
      deliverBatch: async () => undefined,
      logger,
      observer: { onStopped: ({ reason }) => stopped.push(reason) },
    });
    poller.start();
    await sleep(100);
    await poller.stop();
    expect(calls).toBe(1);
    expect(stopped).toEqual(['GRAPH_FORBIDDEN']);
  });

  it('counts a failed delivery as a failed batch, to be retried next cycle', async () => {
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(2) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 1,
      fetchBatch: async (batch) => empty(batch),
      deliverBatch: async () => {
        throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'closed');
      },
      logger,
    });
    expect(await poller.pollOnce()).toMatchObject({ batches: 2, failedBatches: 2 });
  });
});

describe('ShardPoller.confirmCycle', () => {
  /** A clock that only moves when told; `tick` advances it. */
  function manualClock(start: number) {
    let now = start;
    return { now: () => now, tick: (ms: number) => void (now += ms) };
  }

  it('confirms a complete cycle once, after its batches, with the cycle start and the users it confirmed', async () => {
    const clock = manualClock(10_000);
    const calls: string[] = [];
    const cycles: Array<[string, CompletedCycle]> = [];
    const confirmed: Array<{ shard: string; confirmedAt: number }> = [];
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(5) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 2,
      now: clock.now,
      fetchBatch: async (batch) => {
        clock.tick(100);
        // user-1 has no presence; user-4 is rejected (and quarantined).
        return {
          presences: [],
          missingIds: batch.filter((id) => id === 'user-1'),
          rejectedIds: batch.filter((id) => id === 'user-4'),
        };
      },
      deliverBatch: async (_shard, result) => {
        clock.tick(50);
        calls.push(`deliver ${result.missingIds.length}/${result.rejectedIds.length}`);
      },
      confirmCycle: async (shard, cycle) => {
        calls.push('confirm');
        cycles.push([shard, cycle]);
      },
      logger,
      observer: { onConfirmed: (info) => confirmed.push(info) },
    });
    const report = await poller.pollOnce();
    expect(report).toMatchObject({ batches: 3, failedBatches: 0 });
    expect(calls).toHaveLength(4);
    expect(calls.at(-1)).toBe('confirm');
    // Three batches, each 150 ms on the manual clock: confirmed as of the start, completed at the end.
    expect(cycles).toEqual([
      ['s', { confirmedAt: 10_000, completedAt: 10_450, usersConfirmed: 3, usersUnconfirmed: 2 }],
    ]);
    expect(confirmed).toEqual([{ shard: 's', confirmedAt: 10_000 }]);

    // The next cycle skips the quarantined id; it stays unconfirmed.
    await poller.pollOnce();
    expect(cycles[1]?.[1]).toEqual({
      confirmedAt: 10_450,
      completedAt: 10_750,
      usersConfirmed: 3,
      usersUnconfirmed: 2,
    });
  });

  it('confirms a cycle with a batch that failed never, and the next complete one again', async () => {
    const cycles: CompletedCycle[] = [];
    const confirmed: number[] = [];
    let failNext = true;
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(4) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 2,
      fetchBatch: async (batch) => empty(batch),
      deliverBatch: async () => {
        if (failNext) {
          failNext = false;
          throw new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away', { retriable: true });
        }
      },
      confirmCycle: async (_shard, cycle) => void cycles.push(cycle),
      logger,
      observer: { onConfirmed: ({ confirmedAt }) => void confirmed.push(confirmedAt) },
    });
    expect(await poller.pollOnce()).toMatchObject({ batches: 2, failedBatches: 1 });
    expect(cycles).toEqual([]);
    expect(confirmed).toEqual([]);
    expect(await poller.pollOnce()).toMatchObject({ batches: 2, failedBatches: 0 });
    expect(cycles).toHaveLength(1);
    expect(confirmed).toHaveLength(1);
  });

  it('counts a failed confirmation as a failed batch of the cycle, without onConfirmed', async () => {
    const failed: string[] = [];
    const confirmed: number[] = [];
    const refused = new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away', { retriable: true });
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(2) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 1,
      fetchBatch: async (batch) => empty(batch),
      deliverBatch: async () => undefined,
      confirmCycle: async () => {
        throw refused;
      },
      logger,
      observer: {
        onBatchFailed: ({ error }) => void failed.push(error.message),
        onConfirmed: ({ confirmedAt }) => void confirmed.push(confirmedAt),
      },
    });
    expect(await poller.pollOnce()).toMatchObject({ batches: 2, failedBatches: 1 });
    expect(failed).toEqual(['broker away']);
    expect(confirmed).toEqual([]);
  });

  it('stops the shard when the confirmation is fenced', async () => {
    const stopped: string[] = [];
    let fetches = 0;
    let confirms = 0;
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(1) },
      intervalMs: 10,
      startDelayMs: 0,
      batchSize: 650,
      fetchBatch: async (batch) => {
        fetches++;
        return empty(batch);
      },
      deliverBatch: async () => undefined,
      confirmCycle: async () => {
        confirms++;
        throw new ConnectorError(ErrorCodes.SINK_FENCED, 'fenced');
      },
      logger,
      observer: { onStopped: ({ reason }) => stopped.push(reason) },
    });
    poller.start();
    for (let waited = 0; stopped.length === 0 && waited < 5_000; waited += 10) await sleep(10);
    // Ten intervals more: a shard that kept polling would fetch again.
    await sleep(100);
    await poller.stop();
    expect(fetches).toBe(1);
    expect(confirms).toBe(1);
    expect(stopped).toEqual(['SINK_FENCED']);
  });

  it('confirms each cycle of a running poller with its own start time', async () => {
    const confirmedAt: number[] = [];
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(1) },
      intervalMs: 20,
      startDelayMs: 0,
      batchSize: 650,
      fetchBatch: async (batch) => empty(batch),
      deliverBatch: async () => undefined,
      confirmCycle: async (_shard, cycle) => void confirmedAt.push(cycle.confirmedAt),
      logger,
      observer: { onCycle: () => undefined },
    });
    poller.start();
    // Three cycles take 40 ms or so; a loaded machine may need longer.
    for (let waited = 0; confirmedAt.length < 3 && waited < 5_000; waited += 10) await sleep(10);
    await poller.stop();
    expect(confirmedAt.length).toBeGreaterThanOrEqual(3);
    // One watermark per cycle, each later than the one before.
    for (let i = 1; i < confirmedAt.length; i++) {
      expect(confirmedAt[i]).toBeGreaterThan(confirmedAt[i - 1] ?? Infinity);
    }
  });
});

describe('ShardPoller: failures by cause', () => {
  /** A pino logger writing JSON lines into `lines`, at every level. */
  function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
    const lines: Array<Record<string, unknown>> = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    return { logger: pino({ level: 'debug' }, destination), lines };
  }

  it('reports twenty batches refused for one reason as one cause counted twenty times, logging them only at debug', async () => {
    const { logger: captured, lines } = capturingLogger();
    const wrongSecret = new ConnectorError(ErrorCodes.AUTH_FAILED, 'Graph sign-in failed: the client secret is wrong', {
      details: { reason: 'wrong-secret', aadsts: 'AADSTS7000215' },
    });
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(40) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 2,
      fetchBatch: async (batch) => {
        if (batch.includes('user-38')) {
          throw new ConnectorError(ErrorCodes.GRAPH_UNAVAILABLE, 'Graph answered HTTP 503', {
            retriable: true,
            details: { status: 503 },
          });
        }
        throw wrongSecret;
      },
      deliverBatch: async () => undefined,
      logger: captured,
    });
    const report = await poller.pollOnce();
    expect(report).toMatchObject({ batches: 20, failedBatches: 20 });
    expect(report.failures?.map(({ cause, step, count }) => ({ cause, step, count }))).toEqual([
      { cause: 'AUTH_FAILED:wrong-secret', step: 'batch', count: 19 },
      { cause: 'GRAPH_UNAVAILABLE:503', step: 'batch', count: 1 },
    ]);
    expect(report.failures?.[0]?.error).toBe(wrongSecret);
    // What reaches warn or error is the observer's business (one line per cause per interval), not one per batch.
    expect(lines.filter((line) => Number(line.level) >= 40)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'batch failed; retried next cycle')).toHaveLength(20);
  });

  it('reports a failed retirement and a failed watermark as their own steps', async () => {
    const broker = new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away', { retriable: true });
    const retiring = new ShardPoller({
      shard: { name: 's', userIds: ids(2) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 2,
      fetchBatch: async (batch) => empty(batch),
      deliverBatch: async () => undefined,
      beforeCycle: async () => {
        throw broker;
      },
      logger,
    });
    expect((await retiring.pollOnce()).failures).toEqual([
      { cause: 'SINK_UNAVAILABLE', step: 'retire', count: 1, error: broker },
    ]);
    const confirming = new ShardPoller({
      shard: { name: 's', userIds: ids(2) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 2,
      fetchBatch: async (batch) => empty(batch),
      deliverBatch: async () => undefined,
      confirmCycle: async () => {
        throw broker;
      },
      logger,
    });
    expect((await confirming.pollOnce()).failures).toEqual([
      { cause: 'SINK_UNAVAILABLE', step: 'watermark', count: 1, error: broker },
    ]);
  });

  it('says why it stopped a shard in one error line without a stack trace (the stack at debug)', async () => {
    const { logger: captured, lines } = capturingLogger();
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(1) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 1,
      fetchBatch: async () => {
        throw new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'Graph refused access (403)');
      },
      deliverBatch: async () => undefined,
      logger: captured,
    });
    await poller.pollOnce();
    const loud = lines.filter((line) => Number(line.level) >= 30);
    expect(loud).toEqual([
      expect.objectContaining({ level: 50, code: 'GRAPH_FORBIDDEN', msg: expect.stringMatching(/403.*stopped/) }),
    ]);
    expect(JSON.stringify(loud)).not.toContain('"stack"');
    expect(lines.some((line) => line.level === 20 && JSON.stringify(line.err).includes('stack'))).toBe(true);
  });

  it('says that cycles overrun the interval once, then at most once a minute with how many did', async () => {
    const { logger: captured, lines } = capturingLogger();
    let now = 0;
    let cycles = 0;
    const poller = new ShardPoller({
      shard: { name: 's', userIds: ids(1) },
      intervalMs: 1000,
      startDelayMs: 0,
      batchSize: 1,
      now: () => now,
      // Each cycle takes 2 s of the test's clock: every one overruns the 1 s interval.
      fetchBatch: async (batch) => {
        now += 2000;
        return empty(batch);
      },
      deliverBatch: async () => undefined,
      logger: captured,
      observer: {
        onCycle: () => {
          cycles++;
          if (cycles === 100) void poller.stop();
        },
      },
    });
    poller.start();
    for (let waited = 0; cycles < 100 && waited < 10_000; waited += 10) await sleep(10);
    await poller.stop();
    const overruns = lines.filter((line) => line.level === 40);
    // 200 s of cycles: the first overrun, then one line per 60 s.
    expect(overruns.map((line) => line.overrunCycles)).toEqual([1, 30, 30, 30]);
    expect(overruns[1]?.msg).toBe(
      '30 poll cycles took longer than the interval since the last such line; each next cycle starts at once',
    );
  });
});
