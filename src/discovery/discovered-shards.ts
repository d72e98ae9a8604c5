import type { ShardConfig } from '../config/index.js';
import type { WatchedDirectory } from './watched-directory.js';

/**
 * The discovered shards as the rest of the worker sees a shard: a name and its users, here read from the watched
 * directory at each use (a poller plans every cycle from the current list, so a user who joins is polled from the
 * next cycle). Users who leave a shard this worker polls wait here until the shard's poller retires them between
 * two cycles (REMOVED event and tombstones): never while a batch of the shard is in flight.
 */
export class DiscoveredShards {
  readonly shards: ShardConfig[];
  private readonly leavers = new Map<string, Set<string>>();

  constructor(private readonly directory: WatchedDirectory) {
    this.shards = directory.shardNames.map((name) => ({
      name,
      get userIds(): string[] {
        // The snapshot array is replaced, never changed in place, when the shard's membership changes.
        return directory.membersOf(name) as string[];
      },
    }));
    directory.onChange((change) => {
      const leavers = this.leavers.get(change.shard);
      if (leavers === undefined) return;
      if (change.joined) leavers.delete(change.userId);
      else leavers.add(change.userId);
    });
  }

  isDiscovered(shard: string): boolean {
    return this.directory.shardNames.includes(shard);
  }

  /**
   * From now on, note who leaves the shard. Called when a takeover begins, before its state is restored: a user
   * who left earlier is not in the shard's users, so the restore retires it; one who leaves later is noted here.
   */
  track(shard: string): void {
    if (this.isDiscovered(shard)) this.leavers.set(shard, new Set());
  }

  /** The shard is no longer polled here: whoever takes it over restores and retires from the state topic. */
  untrack(shard: string): void {
    this.leavers.delete(shard);
  }

  /** The users who left the shard since it was tracked or last retired; give back what could not be retired. */
  takeLeavers(shard: string): string[] {
    const leavers = this.leavers.get(shard);
    if (leavers === undefined || leavers.size === 0) return [];
    const taken = [...leavers];
    leavers.clear();
    return taken;
  }

  returnLeavers(shard: string, userIds: readonly string[]): void {
    const leavers = this.leavers.get(shard);
    if (leavers === undefined) return;
    // A user who came back in the meantime is a member again, not a leaver.
    for (const userId of userIds) if (!this.directory.isWatched(userId)) leavers.add(userId);
  }
}
