import { fnv1a32, mix32 } from '../fnv.js';
import { sourceBits, type WatchRule } from './directory-entry.js';

/** A user joined or left a discovered shard's watched set. */
export interface MembershipChange {
  shard: string;
  userId: string;
  joined: boolean;
}

export interface WatchedDirectoryOptions {
  rule: WatchRule;
  /** The discovered shards, in config order; a user's shard is a stable hash of its id over them. */
  shardNames: readonly string[];
  /** Users the config lists in a shard of its own: polled there, never in a discovered shard (explicit wins). */
  isExplicit: (userId: string) => boolean;
}

/**
 * What discovery knows of the directory, and the watched set it amounts to, per discovered shard. The only way
 * in is `set`, with what the directory topic says (or, on the discovering worker, what it has just written
 * there), so every worker derives the same watched set from the same records.
 *
 * A user's shard depends on its id alone (a hash, mixed so that ids differing in their last characters spread),
 * so a user keeps its shard while others come and go; only changing the number of shards moves users.
 */
export class WatchedDirectory {
  private readonly entries = new Map<string, number>();
  private readonly members = new Map<string, Set<string>>();
  private readonly snapshots = new Map<string, readonly string[]>();
  private readonly listeners: Array<(change: MembershipChange) => void> = [];

  constructor(private readonly options: WatchedDirectoryOptions) {
    for (const name of options.shardNames) this.members.set(name, new Set());
  }

  get shardNames(): readonly string[] {
    return this.options.shardNames;
  }

  /** Users discovery remembers (watched or not: a disabled user or a guest is remembered with its attributes). */
  get size(): number {
    return this.entries.size;
  }

  get watchedCount(): number {
    let count = 0;
    for (const set of this.members.values()) count += set.size;
    return count;
  }

  /** Called for every user that joins or leaves a discovered shard, as it happens. */
  onChange(listener: (change: MembershipChange) => void): void {
    this.listeners.push(listener);
  }

  entry(userId: string): number | undefined {
    return this.entries.get(userId);
  }

  /** Every remembered user (for a round's reconciliation); do not change the directory while iterating. */
  userIds(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Records what is now known of a user; undefined or an entry without a configured source forgets it. */
  set(userId: string, entry: number | undefined): void {
    const kept = entry === undefined ? 0 : this.options.rule.configuredSources(sourceBits(entry));
    if (entry === undefined || kept === 0) this.entries.delete(userId);
    else this.entries.set(userId, entry);
    const watched = entry !== undefined && kept !== 0 && this.options.rule.watches(entry);
    this.place(userId, watched && !this.options.isExplicit(userId));
  }

  shardOf(userId: string): string {
    const names = this.options.shardNames;
    return names[mix32(fnv1a32(userId)) % names.length] ?? '';
  }

  isWatched(userId: string): boolean {
    return this.members.get(this.shardOf(userId))?.has(userId) ?? false;
  }

  /** The shard's watched users; the same array until the shard's membership changes (a poller reads it per cycle). */
  membersOf(shard: string): readonly string[] {
    let snapshot = this.snapshots.get(shard);
    if (snapshot === undefined) {
      snapshot = [...(this.members.get(shard) ?? [])];
      this.snapshots.set(shard, snapshot);
    }
    return snapshot;
  }

  private place(userId: string, watched: boolean): void {
    const shard = this.shardOf(userId);
    const members = this.members.get(shard);
    if (members === undefined || members.has(userId) === watched) return;
    if (watched) members.add(userId);
    else members.delete(userId);
    this.snapshots.delete(shard);
    for (const listener of this.listeners) listener({ shard, userId, joined: watched });
  }
}
