import type { Presence } from '../graph/index.js';
import { decide, stateOf, type DedupVerdict, type UserPresenceState } from './dedup.js';

/** A presence that passed dedup, with what was known of the user before it (undefined: first sight). */
export interface AcceptedPresence {
  presence: Presence;
  previous: UserPresenceState | undefined;
}

/** The outcome of deduplicating one Graph batch: nothing in it has touched the store yet. */
export interface BatchDedup {
  /** When the batch was observed: the time of its events and of the states in `nextStates`. */
  observedAt: number;
  counts: Record<DedupVerdict, number>;
  /** Snapshots and changes, in response order: the events to publish. */
  accepted: AcceptedPresence[];
  /** The state each affected user moves to once Kafka acknowledged the events: one entry per user. */
  nextStates: Map<string, UserPresenceState>;
}

/** What dedup reads: the last acknowledged state of a user. */
export interface AcknowledgedStates {
  get(userId: string): UserPresenceState | undefined;
}

/**
 * Decides each presence of a batch against the last acknowledged state, pure: the store is only read. Later
 * entries for the same user in one response compare against the earlier ones, not the store, so a response that
 * repeats a user yields one event per real change.
 */
export function dedupBatch(
  presences: readonly Presence[],
  acknowledged: AcknowledgedStates,
  observedAt: number,
): BatchDedup {
  const counts: Record<DedupVerdict, number> = { snapshot: 0, change: 0, duplicate: 0, stale: 0 };
  const accepted: AcceptedPresence[] = [];
  const nextStates = new Map<string, UserPresenceState>();
  for (const presence of presences) {
    const previous = nextStates.get(presence.id) ?? acknowledged.get(presence.id);
    const verdict = decide(previous, presence);
    counts[verdict]++;
    if (verdict === 'duplicate' || verdict === 'stale') continue;
    accepted.push({ presence, previous });
    nextStates.set(presence.id, stateOf(presence, observedAt));
  }
  return { observedAt, counts, accepted, nextStates };
}
