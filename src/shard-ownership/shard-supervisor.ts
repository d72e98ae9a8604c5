import type { ShardConfig } from '../config/index.js';
import { formatCount, formatCounted, formatDuration, type Logger } from '../observability/index.js';
import type { ShardPoller } from '../poller/index.js';
import type { PresenceStateStore, ShardRestored, StateCodec } from '../state/index.js';
import { retryWhileSettling } from './settling.js';
import { StateRestore } from './state-restore.js';
import type { ShardTakeover } from './takeover.js';

export interface ShardSupervisorOptions {
  shards: readonly ShardConfig[];
  takeover: ShardTakeover;
  store: PresenceStateStore;
  stateCodec: StateCodec;
  /** The state-topic partition of a shard, to find the records of shards the config no longer has. */
  statePartitionOf: (shard: string) => number;
  /** The table topic when the table is on: a shard's marker counts only for this table. */
  tableTopic?: string;
  createPoller: (shard: ShardConfig, quarantined: Set<string>) => ShardPoller;
  /**
   * Acts on what the restore of a shard found, before it is polled: publishes the users and gone shards it
   * retires (resolves once Kafka acknowledged them), and notes whether its table is complete.
   */
  onRestored: (restored: ShardRestored) => Promise<void>;
  /** The set of owned shards changed: budget share, metrics, health. */
  onOwned: (shards: readonly string[]) => void;
  /** A takeover of these shards begins (before their state is read); a shard given up or not taken: released. */
  onTracking?: (shard: string, tracked: boolean) => void;
  /**
   * Whether a user is still to be polled by some shard (so a record of it in a shard that no longer has it means
   * it moved, not that it left). Default: the store knows it (the config's users).
   */
  isWatched?: (userId: string) => boolean;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * Runs the pollers of the shards this worker owns and follows changes of ownership, one change at a time.
 * A shard is taken over by opening it (which fences its previous owner's producer) and restoring
 * its state before polling; a shard given up stops polling, closes its producer and forgets its users.
 */
export class ShardSupervisor {
  private readonly byName: Map<string, ShardConfig>;
  private readonly pollers = new Map<string, ShardPoller>();
  private readonly owned = new Set<string>();
  private readonly quarantined = new Map<string, Set<string>>();
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly options: ShardSupervisorOptions) {
    this.byName = new Map(options.shards.map((shard) => [shard.name, shard]));
  }

  /** A rebalance began: stop polling everything so no shard is polled by two workers at once. */
  pauseAll(): void {
    // Fire and forget: a failure is logged once by the change queue itself (see enqueue).
    this.enqueue(() => this.stopPollers()).catch(() => undefined);
  }

  /** The shards to own from now on. */
  assign(shardNames: readonly string[]): Promise<void> {
    return this.enqueue(() => this.applyAssignment(shardNames));
  }

  async stop(): Promise<void> {
    await this.changes;
    await this.stopPollers();
  }

  private enqueue(change: () => Promise<void>): Promise<void> {
    const next = this.changes.then(change);
    this.changes = next.catch((error: unknown) => {
      if (!this.options.signal.aborted) this.options.logger.error({ err: error }, 'changing the owned shards failed');
    });
    return next;
  }

  private async applyAssignment(shardNames: readonly string[]): Promise<void> {
    await this.stopPollers();
    const wanted = new Set(shardNames.filter((name) => this.byName.has(name)));
    const lost = [...this.owned].filter((name) => !wanted.has(name));
    const gained = [...wanted].filter((name) => !this.owned.has(name));
    for (const name of lost) await this.release(name);
    if (gained.length > 0) {
      await retryWhileSettling('take over shards', this.options.logger, this.options.signal, () =>
        this.takeOver(gained),
      );
    }
    if (lost.length > 0 || gained.length > 0)
      this.options.logger.info({ owned: [...wanted], gained, lost }, 'owned shards changed');
    this.options.onOwned([...this.owned]);
    if (this.options.signal.aborted) return;
    for (const name of this.owned) this.startPoller(name);
  }

  private async takeOver(names: readonly string[]): Promise<void> {
    const opened: string[] = [];
    for (const name of names) this.options.onTracking?.(name, true);
    try {
      for (const name of names) {
        await this.options.takeover.openShard(name);
        opened.push(name);
      }
      await this.restore(names);
    } catch (error) {
      // A shard opened but not owned would keep its producer (fenced, perhaps) for the next time it comes back.
      for (const name of opened) await this.giveUp(name);
      throw error;
    }
    for (const name of names) this.owned.add(name);
  }

  /** Undoes an unfinished takeover of a shard; its own failure is logged, the takeover's is what counts. */
  private async giveUp(name: string): Promise<void> {
    this.options.onTracking?.(name, false);
    this.options.store.deleteAll(this.byName.get(name)?.userIds ?? []);
    await this.options.takeover.closeShard(name).catch((error: unknown) => {
      this.options.logger.warn({ err: error, shard: name }, 'closing a shard after a failed takeover failed');
    });
  }

  private async release(name: string): Promise<void> {
    this.owned.delete(name);
    this.options.onTracking?.(name, false);
    await this.options.takeover.closeShard(name);
    this.options.store.deleteAll(this.byName.get(name)?.userIds ?? []);
  }

  /**
   * Loads the last committed state of the users of these shards, then publishes, through each shard, the users
   * it must retire (see StateRestore): before polling, so a user who left is gone before the shard's next events.
   */
  private async restore(names: readonly string[]): Promise<void> {
    const started = performance.now();
    const { stateCodec: codec, store, statePartitionOf, tableTopic, shards } = this.options;
    const restore = new StateRestore({
      taken: names,
      shards,
      store,
      codec,
      statePartitionOf,
      ...(tableTopic === undefined ? {} : { tableTopic }),
      ...(this.options.isWatched === undefined ? {} : { isWatched: this.options.isWatched }),
    });
    await this.options.takeover.readState(names, (record) => restore.add(record));
    const outcome = restore.outcome();
    for (const restored of outcome) await this.options.onRestored(restored);
    const users = this.usersWithState(names);
    const departed = outcome.reduce((sum, restored) => sum + restored.departures.length, 0);
    // The state topic is compacted, but lazily: until the broker's cleaner has run it still holds the records that
    // later ones of the same user replaced, and tombstones; the shards' partitions may hold other shards' records
    // too. All are read, and dropped; the counts say so, lest "52,364 records for 50,000 users" look like a fault.
    const superseded = Math.max(0, restore.restored - users);
    const other = restore.records - restore.restored;
    const ms = performance.now() - started;
    const unused =
      superseded + other === 0
        ? ''
        : ` (${formatCount(superseded)} superseded by a later record of the same user and ${formatCount(other)} ` +
          'other: tombstones, table markers, users not restored here; compaction removes superseded records in time)';
    this.options.logger.info(
      { shards: names, records: restore.records, users, superseded, other, departed, ms: Math.round(ms) },
      `restored the state of the shards taken over: ${formatCounted(users, 'user')} from ` +
        `${formatCounted(restore.records, 'state record')} in ${formatDuration(ms)}${unused}` +
        (departed === 0 ? '' : `; ${formatCounted(departed, 'user')} to retire`),
    );
  }

  /** Users of these shards with a state once restored. */
  private usersWithState(names: readonly string[]): number {
    let users = 0;
    for (const name of names)
      for (const userId of this.byName.get(name)?.userIds ?? [])
        if (this.options.store.get(userId) !== undefined) users++;
    return users;
  }

  private startPoller(name: string): void {
    const shard = this.byName.get(name);
    if (shard === undefined || this.pollers.has(name)) return;
    let quarantined = this.quarantined.get(name);
    if (quarantined === undefined) {
      quarantined = new Set<string>();
      this.quarantined.set(name, quarantined);
    }
    const poller = this.options.createPoller(shard, quarantined);
    this.pollers.set(name, poller);
    poller.start();
  }

  private async stopPollers(): Promise<void> {
    const running = [...this.pollers.values()];
    this.pollers.clear();
    await Promise.all(running.map((poller) => poller.stop()));
  }
}
