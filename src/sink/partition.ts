import { fnv1a32 } from '../fnv.js';

/**
 * The state-topic partition that holds a shard's state. A stable hash of the shard name, so that a worker
 * restores only the partitions of its own shards, and every worker agrees without coordination.
 */
export function statePartitionOf(shard: string, partitions: number): number {
  return fnv1a32(shard) % partitions;
}
