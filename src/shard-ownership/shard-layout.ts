import { createHash } from 'node:crypto';
import type { ShardConfig } from '../config/index.js';

/** What the config said about the shards, recorded so that the next start can say what moved. */
export interface ShardLayout {
  shards: Array<{ name: string; users: number; digest: string }>;
}

/** Key of the layout record on partition 0 of the (compacted) coordination topic. */
export const LAYOUT_KEY = 'shard-layout';

export function layoutOf(shards: readonly ShardConfig[]): ShardLayout {
  return {
    shards: shards.map((shard) => ({
      name: shard.name,
      users: shard.userIds.length,
      digest: createHash('sha256')
        .update([...shard.userIds].sort().join('\n'))
        .digest('hex')
        .slice(0, 16),
    })),
  };
}

export interface LayoutChange {
  added: string[];
  removed: string[];
  /** Shards whose user list changed: users there without state in that shard start with a snapshot. */
  changed: Array<{ name: string; usersBefore: number; usersNow: number }>;
}

/** What moved between the shard layout of the last start and this one. */
export function compareLayouts(previous: ShardLayout, current: ShardLayout): LayoutChange {
  const before = new Map(previous.shards.map((shard) => [shard.name, shard]));
  const now = new Map(current.shards.map((shard) => [shard.name, shard]));
  return {
    added: current.shards.filter((shard) => !before.has(shard.name)).map((shard) => shard.name),
    removed: previous.shards.filter((shard) => !now.has(shard.name)).map((shard) => shard.name),
    changed: current.shards.flatMap((shard) => {
      const old = before.get(shard.name);
      return old !== undefined && old.digest !== shard.digest
        ? [{ name: shard.name, usersBefore: old.users, usersNow: shard.users }]
        : [];
    }),
  };
}
