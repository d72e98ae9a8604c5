import type { StoredPresenceState, UserPresenceState } from './dedup.js';

// Flags per slot: a state, and whether the table topic holds the presence that state stands for.
const PRESENT = 1;
const ON_TABLE = 2;

/**
 * Per-user last-acknowledged state, in memory. Only `commit` changes it, and the pipeline calls `commit` after
 * Kafka acknowledged the event: storing the key before the output succeeded would void at-least-once.
 *
 * Laid out column-wise for tenants of a million users: a Map from user id to a slot, typed arrays for the
 * numbers, codes for availability and activity (a small open set), and the sequence numbers as strings. That
 * is about 100 bytes per user (one of them the stale-poll count) instead of about 260 for a Map of objects. Given the configured ids up front,
 * it keys the map with those very strings, so a user id is held once for config and state together.
 */
export class PresenceStateStore {
  private readonly slots = new Map<string, number>();
  private capacity: number;
  private present: Uint8Array;
  private availability: Uint16Array;
  private activity: Uint16Array;
  private observedAt: Float64Array;
  private fieldsHash: Float64Array;
  /** Consecutive polls whose stamp sorted below the stored one (saturates at 255): one byte a user. */
  private staleStreaks: Uint8Array;
  private readonly sequenceNumbers: Array<string | null> = [];
  private readonly codes: string[] = [];
  private readonly codeOf = new Map<string, number>();
  private count = 0;

  constructor(knownUserIds: Iterable<string> = []) {
    const known = [...knownUserIds];
    this.capacity = Math.max(16, known.length);
    this.present = new Uint8Array(this.capacity);
    this.availability = new Uint16Array(this.capacity);
    this.activity = new Uint16Array(this.capacity);
    this.observedAt = new Float64Array(this.capacity);
    this.fieldsHash = new Float64Array(this.capacity);
    this.staleStreaks = new Uint8Array(this.capacity);
    for (const userId of known) this.slotFor(userId);
  }

  get(userId: string): UserPresenceState | undefined {
    const slot = this.slots.get(userId);
    if (slot === undefined || ((this.present[slot] ?? 0) & PRESENT) === 0) return undefined;
    return {
      sequenceNumber: this.sequenceNumbers[slot] ?? null,
      availability: this.codes[this.availability[slot] ?? 0] ?? '',
      activity: this.codes[this.activity[slot] ?? 0] ?? '',
      observedAt: this.observedAt[slot] ?? 0,
      fieldsHash: this.fieldsHash[slot] ?? 0,
    };
  }

  /**
   * Copies the user's state, stale-poll count and table flag into `into` and returns true; returns false, leaving
   * `into` alone, for a user without a state. Dedup reads every polled user every cycle, almost all unchanged:
   * filling one object it reuses costs one map lookup and no allocation, where `get` builds a state each time.
   */
  read(userId: string, into: StoredPresenceState): boolean {
    const slot = this.slots.get(userId);
    if (slot === undefined) return false;
    const flags = this.present[slot] ?? 0;
    if ((flags & PRESENT) === 0) return false;
    into.sequenceNumber = this.sequenceNumbers[slot] ?? null;
    into.availability = this.codes[this.availability[slot] ?? 0] ?? '';
    into.activity = this.codes[this.activity[slot] ?? 0] ?? '';
    into.observedAt = this.observedAt[slot] ?? 0;
    into.fieldsHash = this.fieldsHash[slot] ?? 0;
    into.staleStreak = this.staleStreaks[slot] ?? 0;
    into.onTable = (flags & ON_TABLE) !== 0;
    return true;
  }

  /** `onTable`: the table topic got this presence with it (same transaction), or had it already. */
  commit(userId: string, state: UserPresenceState, onTable = false): void {
    const slot = this.slotFor(userId);
    if (((this.present[slot] ?? 0) & PRESENT) === 0) this.count++;
    this.present[slot] = onTable ? PRESENT | ON_TABLE : PRESENT;
    this.sequenceNumbers[slot] = state.sequenceNumber;
    this.availability[slot] = this.code(state.availability);
    this.activity[slot] = this.code(state.activity);
    this.observedAt[slot] = state.observedAt;
    this.fieldsHash[slot] = state.fieldsHash;
    this.staleStreaks[slot] = 0;
  }

  /** How many polls in a row the user's stamp sorted below the stored one; 0 for a user without a state. */
  staleStreak(userId: string): number {
    const slot = this.slots.get(userId);
    return slot === undefined ? 0 : (this.staleStreaks[slot] ?? 0);
  }

  /** Records stale-poll counts (see BatchDedup.staleStreaks); users without a state are skipped. */
  setStaleStreaks(streaks: ReadonlyMap<string, number>): void {
    for (const [userId, streak] of streaks) {
      const slot = this.slots.get(userId);
      if (slot !== undefined && ((this.present[slot] ?? 0) & PRESENT) !== 0) this.staleStreaks[slot] = streak;
    }
  }

  /**
   * Whether the user's state is known to be on the table topic too. False for a state restored from before the
   * table was complete (an upgrade, or the table switched on later): such a user is re-published once.
   */
  isOnTable(userId: string): boolean {
    const slot = this.slots.get(userId);
    return slot !== undefined && ((this.present[slot] ?? 0) & ON_TABLE) !== 0;
  }

  delete(userId: string): void {
    const slot = this.slots.get(userId);
    if (slot === undefined || ((this.present[slot] ?? 0) & PRESENT) === 0) return;
    this.present[slot] = 0;
    this.sequenceNumbers[slot] = null;
    this.staleStreaks[slot] = 0;
    this.count--;
  }

  /** Forgets these users, e.g. the users of a shard that moved to another worker. */
  deleteAll(userIds: Iterable<string>): void {
    for (const userId of userIds) this.delete(userId);
  }

  /** True for a user of the config (given up front or committed since), with a state or not. */
  knows(userId: string): boolean {
    return this.slots.has(userId);
  }

  /** Users with a state. */
  get size(): number {
    return this.count;
  }

  private slotFor(userId: string): number {
    const existing = this.slots.get(userId);
    if (existing !== undefined) return existing;
    const slot = this.slots.size;
    if (slot >= this.capacity) this.grow();
    this.slots.set(userId, slot);
    this.sequenceNumbers.push(null);
    return slot;
  }

  private grow(): void {
    this.capacity *= 2;
    this.present = resized(this.present, new Uint8Array(this.capacity));
    this.availability = resized(this.availability, new Uint16Array(this.capacity));
    this.activity = resized(this.activity, new Uint16Array(this.capacity));
    this.observedAt = resized(this.observedAt, new Float64Array(this.capacity));
    this.fieldsHash = resized(this.fieldsHash, new Float64Array(this.capacity));
    this.staleStreaks = resized(this.staleStreaks, new Uint8Array(this.capacity));
  }

  private code(value: string): number {
    const existing = this.codeOf.get(value);
    if (existing !== undefined) return existing;
    // Graph's value lists are open but small; past 65,535 distinct values something is wrong upstream.
    if (this.codes.length >= 0xffff) throw new RangeError('more than 65,535 distinct availability/activity values');
    this.codes.push(value);
    this.codeOf.set(value, this.codes.length - 1);
    return this.codes.length - 1;
  }
}

function resized<T extends Uint8Array | Uint16Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
