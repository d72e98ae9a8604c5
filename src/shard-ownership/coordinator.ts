import type { Logger } from '../observability/index.js';
import type { KafkaCluster } from '../kafka/index.js';
import { discardProducer } from '../sink/index.js';
import { LAYOUT_KEY, parseLayout, type ShardLayout } from './shard-layout.js';
import { ShardMembership } from './shard-membership.js';

export interface ShardCoordinatorOptions {
  kafka: KafkaCluster;
  logger: Logger;
  /** One partition per shard; also holds the last shard layout (compacted). */
  topic: string;
  groupId: string;
  replicationFactor: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

/** The Kafka side of sharing shards among workers: the coordination topic, the group, the layout record. */
export class ShardCoordinator {
  constructor(private readonly options: ShardCoordinatorOptions) {}

  /** Creates the coordination topic with a partition per shard, or adds partitions when shards were added. */
  async ensureTopic(shardCount: number): Promise<void> {
    const { topic } = this.options;
    await this.options.kafka.withAdmin(async (admin) => {
      await admin.createTopics([
        {
          topic,
          partitions: shardCount,
          replicationFactor: this.options.replicationFactor,
          config: { 'cleanup.policy': 'compact' },
        },
      ]);
      const partitions = await admin.partitionCount(topic);
      if (partitions < shardCount) {
        // Kafka can add partitions but never remove them: extra partitions of removed shards are simply idle.
        await admin.addPartitions(topic, shardCount);
        this.options.logger.info({ topic, from: partitions, to: shardCount }, 'added coordination partitions');
      }
    });
  }

  /** Records this layout and returns the one recorded before it (undefined on a first start). */
  async exchangeLayout(layout: ShardLayout): Promise<ShardLayout | undefined> {
    // Kept raw and parsed after the read: a bad record then fails as itself, not as a failed read.
    let previous: Buffer | undefined;
    await this.options.kafka.readPartitions({
      topic: this.options.topic,
      ranges: [{ partition: 0 }],
      groupPrefix: `${this.options.groupId}.layout-reader`,
      // Not a setting: partition 0 holds one small, compacted record, read in a second; a read that takes a
      // minute meets a broker still settling, and fails retriably for the start-up to try again.
      timeoutMs: 60_000,
      onRecords: (_partition, records) => {
        for (const record of records) {
          // The last one wins, as compaction would have it; a tombstone means no layout.
          if (record.key === LAYOUT_KEY) previous = record.value ?? undefined;
        }
        return false;
      },
    });
    const recorded = previous === undefined ? undefined : parseLayout(previous, this.options.topic);
    const producer = await this.options.kafka.idempotentProducer({ compression: 'none' });
    try {
      await producer.send({
        topic: this.options.topic,
        records: [{ key: LAYOUT_KEY, value: JSON.stringify(layout), partition: 0 }],
      });
    } catch (error) {
      // The send failure is the one to report; the producer is unusable now (src/kafka's producer contract).
      await discardProducer(producer, this.options.logger);
      throw error;
    }
    await producer.disconnect();
    return recorded;
  }

  membership(handlers: {
    shards: readonly string[];
    logger: Logger;
    onRevoke: () => void;
    onAssign: (shards: string[]) => void;
  }): ShardMembership {
    return new ShardMembership({
      kafka: this.options.kafka,
      groupId: this.options.groupId,
      topic: this.options.topic,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      ...handlers,
    });
  }
}
