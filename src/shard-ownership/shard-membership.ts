import type { GroupMembership, KafkaCluster } from '../kafka/index.js';
import type { Logger } from '../observability/index.js';

export interface ShardMembershipOptions {
  kafka: Pick<KafkaCluster, 'joinGroup'>;
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
 * a worker is assigned are the shards it polls.
 */
export class ShardMembership {
  private membership: GroupMembership | undefined;

  constructor(private readonly options: ShardMembershipOptions) {}

  async start(): Promise<void> {
    const { groupId, logger } = this.options;
    this.membership = await this.options.kafka.joinGroup({
      groupId,
      topic: this.options.topic,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      onRebalancing: () => {
        logger.info({ groupId }, 'shard rebalance started: pausing every shard');
        this.options.onRevoke();
      },
      onAssigned: ({ partitions, memberId, isLeader }) => {
        const shards = shardsOf(partitions, this.options.shards);
        logger.info({ groupId, memberId, isLeader, shards }, 'shards assigned');
        this.options.onAssign(shards);
      },
    });
  }

  /** Leaves the group at once, so the other workers take the shards over without waiting for a timeout. */
  async stop(): Promise<void> {
    const membership = this.membership;
    this.membership = undefined;
    await membership?.stop();
  }
}

/** The shards of these coordination partitions, sorted; partitions past the shard list (removed shards) idle. */
export function shardsOf(partitions: readonly number[], shards: readonly string[]): string[] {
  return partitions
    .map((partition) => shards[partition])
    .filter((shard): shard is string => shard !== undefined)
    .sort();
}
