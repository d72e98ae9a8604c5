import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';
import { readPartitions } from './partition-reader.js';
import { ShardMembership } from './shard-membership.js';

export interface KafkaCoordinatorOptions extends KafkaConnectionOptions {
  /** One partition per shard; also holds the last shard layout (compacted). */
  topic: string;
  groupId: string;
  replicationFactor: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

/** What the config said about the shards, recorded so that the next start can say what moved. */
export interface ShardLayout {
  shards: Array<{ name: string; users: number; digest: string }>;
}

const LAYOUT_KEY = 'shard-layout';

/** The Kafka side of sharing shards among workers: the coordination topic, the group, the layout record. */
export class KafkaCoordinator {
  private readonly kafka: Kafka;

  constructor(private readonly options: KafkaCoordinatorOptions) {
    this.kafka = createKafkaClient(options);
  }

  /** Creates the coordination topic with a partition per shard, or adds partitions when shards were added. */
  async ensureTopic(shardCount: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.options.topic,
            numPartitions: shardCount,
            replicationFactor: this.options.replicationFactor,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
      });
      const metadata = await admin.fetchTopicMetadata({ topics: [this.options.topic] });
      const partitions = metadata.topics[0]?.partitions.length ?? 0;
      if (partitions < shardCount) {
        // Kafka can add partitions but never remove them: extra partitions of removed shards are simply idle.
        await admin.createPartitions({ topicPartitions: [{ topic: this.options.topic, count: shardCount }] });
        this.options.logger.info(
          { topic: this.options.topic, from: partitions, to: shardCount },
          'added coordination partitions',
        );
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Records this layout and returns the one recorded before it (undefined on a first start). */
  async exchangeLayout(layout: ShardLayout): Promise<ShardLayout | undefined> {
    let previous: ShardLayout | undefined;
    await readPartitions({
      kafka: this.kafka,
      topic: this.options.topic,
      ranges: [{ partition: 0 }],
      groupPrefix: `${this.options.groupId}.layout-reader`,
      timeoutMs: 60_000,
      onRecords: (_partition, records) => {
        for (const record of records) {
          if (record.key === LAYOUT_KEY && record.value !== null)
            previous = JSON.parse(record.value.toString('utf8')) as ShardLayout;
        }
        return false;
      },
    });
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic: this.options.topic,
        acks: -1,
        messages: [{ key: LAYOUT_KEY, value: JSON.stringify(layout), partition: 0 }],
      });
    } finally {
      await producer.disconnect();
    }
    return previous;
  }

  membership(handlers: {
    shards: readonly string[];
    logger: Logger;
    onRevoke: () => void;
    onAssign: (shards: string[]) => void;
  }): ShardMembership {
    return new ShardMembership({
      kafka: this.kafka,
      groupId: this.options.groupId,
      topic: this.options.topic,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      ...handlers,
    });
  }
}
