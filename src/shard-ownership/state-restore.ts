import type { ShardConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import {
  RESERVED_ID_PREFIX,
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
  /** The table topic when the table is on: a marker counts only for it. Absent: any marker stands (to delete). */
  tableTopic?: string;
  /** Whether a user is polled by some shard now (it moved rather than left). Default: the store knows it. */
  isWatched?: (userId: string) => boolean;
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
  /** Latest live record per key that some taken shard must retire, decoded, with the shard that retires it. */
  private readonly leaving = new Map<
    string,
    { handler: string; shard: string; userId: string; last: UserPresenceState }
  >();
  /** Live table markers of shards the config no longer has, with the taken shard that retires them. */
  private readonly goneMarkers = new Map<string, string>();
  /** Taken shards whose table marker (for this table) stands at the point of the partition read so far. */
  private readonly tableComplete = new Set<string>();
  /** Every restored record is decoded into this one object, whose fields the store copies into its columns. */
  private readonly decoded: UserPresenceState = {
    sequenceNumber: null,
    availability: '',
    activity: '',
    observedAt: 0,
    fieldsHash: 0,
  };
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
    if (key.userId === TABLE_MARKER_ID) this.addMarker(key.shard, handler, record.value);
    // The connector's own keys are never users; one this version does not know is left alone.
    if (key.userId.startsWith(RESERVED_ID_PREFIX)) return;
    if (record.value === null) this.leaving.delete(record.key);
    else {
      const last = decodeState(this.options.codec, record.key, record.value);
      this.leaving.set(record.key, { handler, shard: key.shard, userId: key.userId, last });
    }
  }

  /**
   * Per taken shard: the users it retires, the gone shards it retires (those with a live record left, so a
   * shard already retired is not retired again), and whether its table is complete.
   */
  outcome(): ShardRestored[] {
    const byShard = new Map(
      this.options.taken.map((shard) => [shard, { departures: [] as Departure[], gone: new Set<string>() }]),
    );
    for (const leaving of this.leaving.values()) {
      const entry = byShard.get(leaving.handler);
      if (entry === undefined) continue;
      entry.departures.push({
        userId: leaving.userId,
        stateShard: leaving.shard,
        last: leaving.last,
        removed: !(this.options.isWatched ?? ((userId) => this.options.store.knows(userId)))(leaving.userId),
      });
      if (leaving.shard !== leaving.handler) entry.gone.add(leaving.shard);
    }
    for (const [gone, handler] of this.goneMarkers) byShard.get(handler)?.gone.add(gone);
    return this.options.taken.map((shard) => ({
      shard,
      departures: byShard.get(shard)?.departures ?? [],
      goneShards: [...(byShard.get(shard)?.gone ?? [])],
      tableComplete: this.tableComplete.has(shard),
    }));
  }

  private addMarker(shard: string, handler: string, value: Buffer | null): void {
    if (handler !== shard) {
      if (value === null) this.goneMarkers.delete(shard);
      else this.goneMarkers.set(shard, handler);
      return;
    }
    const { tableTopic } = this.options;
    const stands = value !== null && (tableTopic === undefined || value.toString('utf8') === tableTopic);
    if (stands) this.tableComplete.add(shard);
    else this.tableComplete.delete(shard);
  }

  /**
   * A state record written after its shard's table marker (records come in offset order, and a shard's records
   * are in one partition) was written with its table record, in one transaction: that user is on the table.
   * One written before it, or with no marker, predates the table.
   */
  private restore(userId: string, record: StoredStateRecord, onTable: boolean): void {
    const { value } = record;
    if (value === null) {
      this.options.store.delete(userId);
      return;
    }
    this.options.store.commit(userId, decodeState(this.options.codec, record.key, value, this.decoded), onTable);
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
function decodeState(codec: StateCodec, key: string, value: Buffer, into?: UserPresenceState): UserPresenceState {
  try {
    return into === undefined ? codec.decode(value) : codec.decodeInto(value, into);
  } catch (error) {
    throw new ConnectorError(
      ErrorCodes.STATE_RESTORE_FAILED,
      `the state record "${key}" does not decode: ${toError(error).message}`,
      { cause: error, details: { key } },
    );
  }
}
