import { describe, expect, it } from 'vitest';
import type { ReadPartitionsOptions } from '../../src/kafka/index.js';
import { createShardTakeover, StateTopicReader, type StoredStateRecord } from '../../src/shard-ownership/takeover.js';
import { statePartitionOf } from '../../src/sink/index.js';

function readerWith(records: Map<number, StoredStateRecord[]>) {
  const reads: ReadPartitionsOptions[] = [];
  const reader = new StateTopicReader({
    kafka: {
      readPartitions: async (options) => {
        reads.push(options);
        for (const { partition } of options.ranges) {
          const stored = (records.get(partition) ?? []).map((record, offset) => ({
            ...record,
            offset: String(offset),
          }));
          options.onRecords(partition, stored);
        }
      },
    },
    clientId: 'worker-1',
    stateTopic: 'state',
    statePartitions: 12,
  });
  return { reader, reads };
}

describe('StateTopicReader', () => {
  it("reads each shard's state partition once, from the beginning, and hands over every record", async () => {
    const shards = ['a', 'shard-a', 'all'];
    const partitions = [...new Set(shards.map((shard) => statePartitionOf(shard, 12)))];
    const records = new Map(partitions.map((partition) => [partition, [{ key: `p${partition}`, value: null }]]));
    const { reader, reads } = readerWith(records);
    const seen: string[] = [];
    await reader.readState(shards, (record) => void seen.push(record.key));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.topic).toBe('state');
    expect(reads[0]?.groupPrefix).toBe('worker-1.state-restore');
    expect(reads[0]?.ranges).toEqual(partitions.map((partition) => ({ partition })));
    expect(seen.sort()).toEqual(partitions.map((partition) => `p${partition}`).sort());
  });
});

describe('createShardTakeover', () => {
  it('opens and closes shards through the shard producers and reads state through the reader', async () => {
    const calls: string[] = [];
    const takeover = createShardTakeover(
      {
        claimShard: async (shard) => void calls.push(`claim ${shard}`),
        releaseShard: async (shard) => void calls.push(`release ${shard}`),
      },
      { readState: async (shards) => void calls.push(`read ${shards.join(',')}`) },
    );
    await takeover.openShard('a');
    await takeover.readState(['a'], () => undefined);
    await takeover.closeShard('a');
    expect(calls).toEqual(['claim a', 'read a', 'release a']);
  });
});
