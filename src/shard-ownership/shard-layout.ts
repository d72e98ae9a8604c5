import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ShardConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';

/** What the config said about the shards, recorded so that the next start can say what moved. */
export interface ShardLayout {
  shards: Array<{ name: string; users: number; digest: string }>;
}

/** Key of the layout record on partition 0 of the (compacted) coordination topic. */
export const LAYOUT_KEY = 'shard-layout';

/** Fields this version reads; others (from a newer version) are ignored, so a layout stays readable after an upgrade. */
const layoutSchema: z.ZodType<ShardLayout> = z.object({
  shards: z.array(z.object({ name: z.string(), users: z.number().int().nonnegative(), digest: z.string() })),
});

/**
 * The layout record as written by layoutOf. Anything else on that key (not JSON, another shape) is a fault no retry
 * cures, since the same record is read again: it fails at once, naming the topic, for an operator to delete it.
 * @throws ConnectorError SHARD_LAYOUT_INVALID
 */
export function parseLayout(value: Buffer, topic: string): ShardLayout {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw invalidLayout(topic, `it is not JSON (${toError(error).message})`, error);
  }
  const parsed = layoutSchema.safeParse(json);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw invalidLayout(
      topic,
      `${problem?.path.join('.') || 'the record'}: ${problem?.message ?? 'unexpected shape'}`,
      parsed.error,
    );
  }
  return parsed.data;
}

function invalidLayout(topic: string, problem: string, cause: unknown): ConnectorError {
  return new ConnectorError(
    ErrorCodes.SHARD_LAYOUT_INVALID,
    `the shard layout record ("${LAYOUT_KEY}", partition 0) of the coordination topic ${topic} is not one this connector wrote: ${problem}; delete it (a tombstone for that key) and restart`,
    { cause, details: { topic, key: LAYOUT_KEY } },
  );
}

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
