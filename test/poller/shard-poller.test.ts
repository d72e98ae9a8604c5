import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import type { PresenceBatchResult } from '../../src/graph/index.js';
import { ShardPoller, type CycleReport } from '../../src/poller/index.js';

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
