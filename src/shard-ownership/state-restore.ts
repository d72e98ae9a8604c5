import type { ShardConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import {
  TABLE_MARKER_ID,
  type Departure,
  type PresenceStateStore,
  type ShardRestored,
  type StateCodec,
  type UserPresenceState,
} from '../state/index.js';
import type { StoredStateRecord } from './takeover.js';

export interface StateRestoreOptions {
  /** The shards being taken over. */
  taken: readonly string[];
  /** Every shard of the config. */
  shards: readonly ShardConfig[];
  store: PresenceStateStore;
  codec: StateCodec;
  statePartitionOf: (shard: string) => number;
}

/**
 * Restores the state of the shards taken over from their state partitions, record by record in offset order,
 * and finds the users those shards must retire (see Departure): a record of a taken shard whose user the config
 * no longer puts there, and a record of a shard the config no longer has at all. The latter is retired by one
 * shard only, the first by name among the configured shards of the same partition, so that two owners never
 * both publish a REMOVED for it. Users of a partition that no configured shard maps to are not seen by anyone.
 */
export class StateRestore {
  private readonly members: Map<string, Set<string>>;
  private readonly configured: Set<string>;
  private readonly orphanHandler = new Map<string, string | undefined>();
  /** Latest record per key that some taken shard must retire, with the shard that retires it. */
  private readonly leaving = new Map<string, { handler: string; shard: string; userId: string; value: Buffer }>();
  /** Shards the config no longer has, by the taken shard that retires them. */
  private readonly gone = new Map<string, Set<string>>();
  /** Taken shards whose table marker stands at the point of the partition read so far. */
  private readonly tableComplete = new Set<string>();
  restored = 0;
  records = 0;

  constructor(private readonly options: StateRestoreOptions) {
    const byName = new Map(options.shards.map((shard) => [shard.name, shard]));
    this.members = new Map(options.taken.map((name) => [name, new Set(byName.get(name)?.userIds ?? [])]));
    this.configured = new Set(byName.keys());
  }

  add(record: StoredStateRecord): void {
    this.records++;
    const key = this.options.codec.parseKey(record.key);
    if (key === undefined) return;
    const members = this.members.get(key.shard);
    if (members?.has(key.userId) === true) {
      this.restore(key.userId, record, this.tableComplete.has(key.shard));
      return;
    }
    const handler = members === undefined ? this.handlerOfOrphan(key.shard) : key.shard;
    if (handler === undefined) return;
    if (handler !== key.shard) this.gone.set(handler, (this.gone.get(handler) ?? new Set()).add(key.shard));
    if (key.userId === TABLE_MARKER_ID) {
      if (handler !== key.shard) return; // a gone shard's marker is deleted with the shard
      if (record.value === null) this.tableComplete.delete(key.shard);
      else this.tableComplete.add(key.shard);
      return;
    }
    if (record.value === null) this.leaving.delete(record.key);
    else this.leaving.set(record.key, { handler, shard: key.shard, userId: key.userId, value: record.value });
  }

  /** Per taken shard: the users it retires, the gone shards it retires, and whether its table is complete. */
  outcome(): ShardRestored[] {
    const departures = this.departures();
    return this.options.taken.map((shard) => ({
      shard,
      departures: departures.get(shard) ?? [],
      goneShards: [...(this.gone.get(shard) ?? [])],
      tableComplete: this.tableComplete.has(shard),
    }));
  }

  /** The users each taken shard retires, decoded; a user still in some shard of the config moved. */
  departures(): Map<string, Departure[]> {
    const byShard = new Map<string, Departure[]>();
    for (const [key, leaving] of this.leaving) {
      const departure: Departure = {
        userId: leaving.userId,
        stateShard: leaving.shard,
        last: decodeState(this.options.codec, key, leaving.value),
        removed: !this.options.store.knows(leaving.userId),
      };
      byShard.set(leaving.handler, [...(byShard.get(leaving.handler) ?? []), departure]);
    }
    return byShard;
  }

  /**
   * A state record written after its shard's table marker (records come in offset order, and a shard's records
   * are in one partition) was written with its table record, in one transaction: that user is on the table.
   * One written before it, or with no marker, predates the table.
   */
  private restore(userId: string, record: StoredStateRecord, onTable: boolean): void {
    if (record.value === null) {
      this.options.store.delete(userId);
      return;
    }
    this.options.store.commit(userId, decodeState(this.options.codec, record.key, record.value), onTable);
    this.restored++;
  }

  /** A shard the config no longer has: retired by a taken shard when that shard is the partition's first. */
  private handlerOfOrphan(shard: string): string | undefined {
    if (this.configured.has(shard)) return undefined; // a shard of the config that another owner restores
    if (!this.orphanHandler.has(shard)) {
      const partition = this.options.statePartitionOf(shard);
      const first = [...this.configured].filter((name) => this.options.statePartitionOf(name) === partition).sort()[0];
      this.orphanHandler.set(shard, first !== undefined && this.members.has(first) ? first : undefined);
    }
    return this.orphanHandler.get(shard);
  }
}

/**
 * A state record that does not decode is a fault no retry cures (the same record is read again): it fails the
 * take-over at once, naming the key; the read around it adds the partition and offset.
 */
function decodeState(codec: StateCodec, key: string, value: Buffer): UserPresenceState {
  try {
    return codec.decode(value);
  } catch (error) {
    throw new ConnectorError(
      ErrorCodes.STATE_RESTORE_FAILED,
      `the state record "${key}" does not decode: ${toError(error).message}`,
      { cause: error, details: { key } },
    );
  }
}
