import type { UserPresenceState } from './dedup.js';

/**
 * Per-user last-acknowledged state, in memory. Only `commit` changes it, and the pipeline calls `commit` after
 * Kafka acknowledged the event: storing the key before the output succeeded would void at-least-once.
 */
export class PresenceStateStore {
  private readonly states = new Map<string, UserPresenceState>();
  // Availability and activity come from a small open set; sharing one string per value keeps memory per user low.
  private readonly interned = new Map<string, string>();

  get(userId: string): UserPresenceState | undefined {
    return this.states.get(userId);
  }

  commit(userId: string, state: UserPresenceState): void {
    this.states.set(userId, { ...state, availability: this.intern(state.availability), activity: this.intern(state.activity) });
  }

  delete(userId: string): void {
    this.states.delete(userId);
  }

  /** Forgets these users, e.g. the users of a shard that moved to another worker. */
  deleteAll(userIds: Iterable<string>): void {
    for (const userId of userIds) this.states.delete(userId);
  }

  get size(): number {
    return this.states.size;
  }

  private intern(value: string): string {
    const existing = this.interned.get(value);
    if (existing !== undefined) return existing;
    this.interned.set(value, value);
    return value;
  }
}
