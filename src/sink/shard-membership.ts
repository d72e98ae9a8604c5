import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface ShardMembershipOptions {
  kafka: Kafka;
  /** Consumer group of the workers of one connector. */
  groupId: string;
  /** One partition per shard: partition i is shards[i]. */
  topic: string;
  /** Shard names in partition order. */
  shards: readonly string[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  logger: Logger;
  /** A rebalance began: stop polling every shard until the new assignment arrives. */
  onRevoke: () => void;
  /** The shards this worker owns in the new generation of the group. */
  onAssign: (shards: string[]) => void;
}

/**
 * Shares the shards among the workers through Kafka's own group membership, as Kafka Connect and Kafka Streams
 * share tasks: the workers join one consumer group on a topic with one partition per shard, and the partitions
 * a worker is assigned are the shards it polls. Nothing is consumed; membership and heartbeats are the point.
 */
export class ShardMembership {
  private consumer: Consumer | undefined;

  constructor(private readonly options: ShardMembershipOptions) {}

  async start(): Promise<void> {
    const { kafka, topic, groupId, logger } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: this.options.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(this.options.sessionTimeoutMs, 10_000),
      maxWaitTimeInMs: 1_000,
    });
    consumer.on(consumer.events.REBALANCING, () => {
      logger.info({ groupId }, 'shard rebalance started: pausing every shard');
      this.options.onRevoke();
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[topic] ?? [];
      const shards = partitions
        .map((partition) => this.options.shards[partition])
        .filter((shard): shard is string => shard !== undefined)
        .sort();
      logger.info({ groupId, memberId: payload.memberId, isLeader: payload.isLeader, shards }, 'shards assigned');
      this.options.onAssign(shards);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    // Heartbeats ride on the fetch loop, so the consumer must run even though no record matters to us.
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    this.consumer = consumer;
  }

  /** Leaves the group at once, so the other workers take the shards over without waiting for a timeout. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }
}
