import { describe, expect, it } from 'vitest';
import { statePartitionOf } from '../../src/sink/partition.js';

describe('statePartitionOf', () => {
  it('is stable: every worker puts and finds a shard in the same partition', () => {
    // Fixed values of FNV-1a: a change of the hash would strand every shard's stored state, so it fails here.
    expect(statePartitionOf('all', 12)).toBe(0);
    expect(statePartitionOf('shard-a', 12)).toBe(5);
    expect(statePartitionOf('s1', 4)).toBe(1);
  });

  it('stays within the partitions and spreads shards over them', () => {
    const partitions = new Set(Array.from({ length: 200 }, (_, i) => statePartitionOf(`shard-${i}`, 12)));
    expect([...partitions].every((partition) => partition >= 0 && partition < 12)).toBe(true);
    expect(partitions.size).toBe(12);
  });
});
