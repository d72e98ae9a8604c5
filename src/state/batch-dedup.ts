import { fnv1a32 } from '../fnv.js';
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
 * repeats a user yields one event per real change. With `resnapshotIntervalMs`, a duplicate of a presence
 * published long enough ago (see resnapshotDue) is accepted again as a snapshot, and counted as one.
 */
export function dedupBatch(
  presences: readonly Presence[],
  acknowledged: AcknowledgedStates,
  observedAt: number,
  resnapshotIntervalMs = 0,
): BatchDedup {
  const counts: Record<DedupVerdict, number> = { snapshot: 0, change: 0, duplicate: 0, stale: 0 };
  const accepted: AcceptedPresence[] = [];
  const nextStates = new Map<string, UserPresenceState>();
  for (const presence of presences) {
    const previous = nextStates.get(presence.id) ?? acknowledged.get(presence.id);
    const decided = decide(previous, presence);
    const resnapshot =
      decided === 'duplicate' &&
      previous !== undefined &&
      resnapshotDue(presence.id, previous, observedAt, resnapshotIntervalMs);
    const verdict = resnapshot ? 'snapshot' : decided;
    counts[verdict]++;
    if (verdict === 'duplicate' || verdict === 'stale') continue;
    accepted.push({ presence, previous: resnapshot ? undefined : previous });
    nextStates.set(presence.id, stateOf(presence, observedAt));
  }
  return { observedAt, counts, accepted, nextStates };
}

/**
 * A user is due for a periodic re-snapshot once its last publication is older than a per-user share of the
 * interval, between half and all of it: users published together (a start) come due over half an interval
 * instead of in one cycle, and stay spread after that. The share is a hash of the id, so it survives restarts.
 */
export function resnapshotDue(
  userId: string,
  previous: UserPresenceState,
  observedAt: number,
  intervalMs: number,
): boolean {
  if (intervalMs <= 0) return false;
  return observedAt - previous.observedAt >= intervalMs * (1 - (0.5 * fnv1a32(userId)) / 0x1_0000_0000);
}
