import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type {
  KafkaAdmin,
  KafkaCluster,
  PartitionRecord,
  ReadPartitionsOptions,
  TopicBatch,
  TopicSpec,
} from '../../src/kafka/index.js';
import { ShardCoordinator } from '../../src/shard-ownership/coordinator.js';
import type { ShardLayout } from '../../src/shard-ownership/shard-layout.js';

const logger = pino({ level: 'silent' });

function clusterWith(existingPartitions: number, stored: PartitionRecord[] = []) {
  const log = {
    created: [] as TopicSpec[],
    grown: [] as Array<{ topic: string; count: number }>,
    reads: [] as ReadPartitionsOptions[],
    sent: [] as TopicBatch[],
  };
  const admin: KafkaAdmin = {
    createTopics: async (topics) => {
      log.created.push(...topics);
      return existingPartitions === 0;
    },
    partitionCount: async () => existingPartitions,
    addPartitions: async (topic, count) => void log.grown.push({ topic, count }),
  };
  const kafka: KafkaCluster = {
    withAdmin: (work) => work(admin),
    readPartitions: async (options) => {
      log.reads.push(options);
      options.onRecords(0, stored);
    },
    idempotentProducer: async () => ({
      send: async (batch) => void log.sent.push(batch),
      disconnect: async () => undefined,
    }),
    transactionalProducer: () => Promise.reject(new Error('not used')),
    probeTransactions: () => Promise.reject(new Error('not used')),
    joinGroup: () => Promise.reject(new Error('not used')),
  };
  const coordinator = new ShardCoordinator({
    kafka,
    logger,
    topic: 'connector.shards',
    groupId: 'connector.workers',
    replicationFactor: 3,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 3_000,
  });
  return { coordinator, log, kafka };
}

const layout = (names: string[]): ShardLayout => ({
  shards: names.map((name) => ({ name, users: 1, digest: `d-${name}` })),
});

describe('ShardCoordinator.ensureTopic', () => {
  it('creates a compacted coordination topic with a partition per shard', async () => {
    const { coordinator, log } = clusterWith(3);
    await coordinator.ensureTopic(3);
    expect(log.created).toEqual([
      { topic: 'connector.shards', partitions: 3, replicationFactor: 3, config: { 'cleanup.policy': 'compact' } },
    ]);
    expect(log.grown).toEqual([]);
  });

  it('adds partitions when shards were added since the topic was created', async () => {
    const { coordinator, log } = clusterWith(2);
    await coordinator.ensureTopic(5);
    expect(log.grown).toEqual([{ topic: 'connector.shards', count: 5 }]);
  });
});

describe('ShardCoordinator.exchangeLayout', () => {
  it('returns the last layout recorded and records the new one on partition 0', async () => {
    const older = layout(['a']);
    const previous = layout(['a', 'b']);
    const { coordinator, log } = clusterWith(2, [
      { key: 'shard-layout', value: Buffer.from(JSON.stringify(older)), offset: '0' },
      { key: 'something-else', value: Buffer.from('{}'), offset: '1' },
      { key: 'shard-layout', value: Buffer.from(JSON.stringify(previous)), offset: '2' },
    ]);
    await expect(coordinator.exchangeLayout(layout(['a', 'c']))).resolves.toEqual(previous);
    expect(log.reads[0]?.ranges).toEqual([{ partition: 0 }]);
    expect(log.sent).toEqual([
      {
        topic: 'connector.shards',
        records: [{ key: 'shard-layout', value: JSON.stringify(layout(['a', 'c'])), partition: 0 }],
      },
    ]);
  });

  it('takes a tombstone for the layout key as no layout', async () => {
    const { coordinator } = clusterWith(2, [
      { key: 'shard-layout', value: Buffer.from(JSON.stringify(layout(['a']))), offset: '0' },
      { key: 'shard-layout', value: null, offset: '1' },
    ]);
    await expect(coordinator.exchangeLayout(layout(['a']))).resolves.toBeUndefined();
  });

  it('fails, naming the topic, on a layout record it cannot read, and records nothing', async () => {
    const { coordinator, log } = clusterWith(2, [{ key: 'shard-layout', value: Buffer.from('not json'), offset: '0' }]);
    await expect(coordinator.exchangeLayout(layout(['a']))).rejects.toMatchObject({
      code: 'SHARD_LAYOUT_INVALID',
      retriable: false,
      details: { topic: 'connector.shards' },
    });
    expect(log.sent).toEqual([]);
  });

  it('reports a failed send, not a failing disconnect of the same producer', async () => {
    const { coordinator, kafka } = clusterWith(2);
    const sendFailure = new Error('broker away');
    let disconnects = 0;
    kafka.idempotentProducer = async () => ({
      send: () => Promise.reject(sendFailure),
      disconnect: () => {
        disconnects++;
        return Promise.reject(new Error('socket closed'));
      },
    });
    await expect(coordinator.exchangeLayout(layout(['a']))).rejects.toBe(sendFailure);
    expect(disconnects).toBe(1);
  });

  it('returns undefined on a first start', async () => {
    const { coordinator } = clusterWith(0);
    await expect(coordinator.exchangeLayout(layout(['a']))).resolves.toBeUndefined();
  });
});
