import type { KafkaCluster } from '../kafka/index.js';
import { statePartitionOf, type EventPublisher } from '../sink/index.js';

/** A state record as read back from the state topic. */
export interface StoredStateRecord {
  key: string;
  /** null for a tombstone. */
  value: Buffer | null;
}

/** What taking a shard over and giving it up needs from Kafka. */
export interface ShardTakeover {
  /**
   * Takes ownership of a shard before its state is read: in exactly-once mode this initialises the shard's
   * transactional producer, which fences any other producer of the shard and aborts its open transaction.
   */
  openShard(shard: string): Promise<void>;
  /** Gives up a shard: waits for its publishes, then closes its producer. */
  closeShard(shard: string): Promise<void>;
  /** Reads the committed state records of these shards, in offset order per partition. */
  readState(shards: readonly string[], onRecord: (record: StoredStateRecord) => void): Promise<void>;
}

export interface StateTopicReaderOptions {
  kafka: Pick<KafkaCluster, 'readPartitions'>;
  /** Prefix of the throw-away consumer groups of the restore. */
  clientId: string;
  stateTopic: string;
  statePartitions: number;
  /** How long a state restore may take before it fails (retriably). Default ten minutes. */
  restoreTimeoutMs?: number;
}

/** Reads the state partitions of shards: each shard's state lives in the partition statePartitionOf names. */
export class StateTopicReader {
  constructor(private readonly options: StateTopicReaderOptions) {}

  async readState(shards: readonly string[], onRecord: (record: StoredStateRecord) => void): Promise<void> {
    const partitions = [...new Set(shards.map((shard) => statePartitionOf(shard, this.options.statePartitions)))];
    await this.options.kafka.readPartitions({
      topic: this.options.stateTopic,
      ranges: partitions.map((partition) => ({ partition })),
      groupPrefix: `${this.options.clientId}.state-restore`,
      timeoutMs: this.options.restoreTimeoutMs ?? 10 * 60_000,
      onRecords: (_partition, records) => {
        for (const record of records) onRecord(record);
        return false;
      },
    });
  }
}

/** Taking a shard over: its producer from the publisher (fencing), its state from the state topic. */
export function createShardTakeover(
  publisher: Pick<EventPublisher, 'claimShard' | 'releaseShard'>,
  state: Pick<StateTopicReader, 'readState'>,
): ShardTakeover {
  return {
    openShard: (shard) => publisher.claimShard(shard),
    closeShard: (shard) => publisher.releaseShard(shard),
    readState: (shards, onRecord) => state.readState(shards, onRecord),
  };
}
