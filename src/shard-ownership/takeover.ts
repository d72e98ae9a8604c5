import type { KafkaCluster } from '../kafka/index.js';
import { statePartitionOf, type ShardProducers } from '../sink/index.js';

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
}

/**
 * How long one state restore may take before it fails, retriably, and the take-over starts it again. Not a
 * setting: it is no budget to tune but a guard against a read that stopped progressing (a partition without a
 * leader); 1,000,000 users restore in about 12 s (BENCHMARKS.md), so ten minutes leave any healthy restore alone.
 */
const RESTORE_TIMEOUT_MS = 10 * 60_000;

/** Reads the state partitions of shards: each shard's state lives in the partition statePartitionOf names. */
export class StateTopicReader {
  constructor(private readonly options: StateTopicReaderOptions) {}

  async readState(shards: readonly string[], onRecord: (record: StoredStateRecord) => void): Promise<void> {
    const partitions = [...new Set(shards.map((shard) => statePartitionOf(shard, this.options.statePartitions)))];
    await this.options.kafka.readPartitions({
      topic: this.options.stateTopic,
      ranges: partitions.map((partition) => ({ partition })),
      groupPrefix: `${this.options.clientId}.state-restore`,
      timeoutMs: RESTORE_TIMEOUT_MS,
      onRecords: (_partition, records) => {
        for (const record of records) onRecord(record);
        return false;
      },
    });
  }
}

/** Taking a shard over: its producer from the shard producers (fencing), its state from the state topic. */
export function createShardTakeover(
  producers: ShardProducers,
  state: Pick<StateTopicReader, 'readState'>,
): ShardTakeover {
  return {
    openShard: (shard) => producers.claimShard(shard),
    closeShard: (shard) => producers.releaseShard(shard),
    readState: (shards, onRecord) => state.readState(shards, onRecord),
  };
}
