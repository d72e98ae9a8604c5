/**
 * The state-topic partition that holds a shard's state. A stable hash of the shard name, so that a worker
 * restores only the partitions of its own shards, and every worker agrees without coordination.
 */
export function statePartitionOf(shard: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < shard.length; i++) {
    hash ^= shard.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
