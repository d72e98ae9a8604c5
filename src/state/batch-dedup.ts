import { fnv1a32, mix32 } from '../fnv.js';
import type { Presence } from '../graph/index.js';
import {
  decide,
  isSequenceReset,
  stateOf,
  type DedupVerdict,
  type StoredPresenceState,
  type UserPresenceState,
} from './dedup.js';

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
  /**
   * Users whose count of consecutive stale polls moves (one more, or back to 0), for the store right away: an
   * observation, not acknowledged state.
   */
  staleStreaks: Map<string, number>;
  /** Stamps that went back for good, accepted as changes (counted in `counts.change`). */
  resets: SequenceReset[];
}

/** A user's sequence numbers restarted below the stored one: `previous` is the stored stamp, `current` the new one. */
export interface SequenceReset {
  userId: string;
  previous: string;
  current: string;
}

/** What dedup reads: the last acknowledged state of a user, with its stale-poll count and table flag. */
export interface AcknowledgedStates {
  /**
   * Fills `into` with the user's state and returns true, or returns false when there is none (see
   * PresenceStateStore.read: one object reused for a whole batch, not one per user).
   */
  read(userId: string, into: StoredPresenceState): boolean;
}

/**
 * Which unchanged presences go out again as snapshots: every one `mustRepublish` names, and of the others those
 * `isDue` says, at most `maxPerBatch` per batch, so a backlog of due users (re-snapshots just turned on) drains
 * over several cycles instead of in one.
 */
export interface ResnapshotPolicy {
  mustRepublish(userId: string, stored: StoredPresenceState): boolean;
  isDue(userId: string, stored: StoredPresenceState): boolean;
  maxPerBatch: number;
}

/**
 * Decides each presence of a batch against the last acknowledged state, pure: the store is only read. Later
 * entries for the same user in one response compare against the earlier ones, not the store, so a response that
 * repeats a user yields one event per real change. With a `resnapshot` policy, a duplicate it says is due is
 * accepted again as a snapshot (no previous), and counted as one. A stale stamp counts one stale poll for its
 * user (once per batch); enough of them with a different presence make a reset (see `isSequenceReset`), accepted
 * as a change: once committed, the new lower stamps compare as usual.
 */
export function dedupBatch(
  presences: readonly Presence[],
  acknowledged: AcknowledgedStates,
  observedAt: number,
  resnapshot?: ResnapshotPolicy,
): BatchDedup {
  const counts: Record<DedupVerdict, number> = { snapshot: 0, change: 0, duplicate: 0, stale: 0 };
  const accepted: AcceptedPresence[] = [];
  const nextStates = new Map<string, UserPresenceState>();
  const staleStreaks = new Map<string, number>();
  const resets: SequenceReset[] = [];
  let resnapshots = 0;
  // Filled per presence and copied only for the few accepted (most of a cycle is duplicates).
  const stored: StoredPresenceState = {
    sequenceNumber: null,
    availability: '',
    activity: '',
    observedAt: 0,
    fieldsHash: 0,
    staleStreak: 0,
    onTable: false,
  };
  for (const presence of presences) {
    const repeated = nextStates.get(presence.id);
    const found = repeated === undefined && acknowledged.read(presence.id, stored);
    const previous = repeated ?? (found ? stored : undefined);
    let decided = decide(previous, presence);
    if (found && !staleStreaks.has(presence.id)) {
      const streak = stored.staleStreak;
      if (decided !== 'stale') {
        if (streak > 0) staleStreaks.set(presence.id, 0);
      } else {
        // Still counted if it is a reset: the commit clears it, and a failed publication finds it again next poll.
        staleStreaks.set(presence.id, Math.min(streak + 1, 255));
        if (isSequenceReset(stored, presence, streak + 1, observedAt)) {
          decided = 'change';
          const [before, after] = [stored.sequenceNumber ?? '', presence.sequenceNumber ?? ''];
          resets.push({ userId: presence.id, previous: before, current: after });
        }
      }
    }
    const candidate = decided === 'duplicate' && found && resnapshot !== undefined;
    const must = candidate && resnapshot.mustRepublish(presence.id, stored);
    const due = candidate && !must && resnapshots < resnapshot.maxPerBatch && resnapshot.isDue(presence.id, stored);
    if (due) resnapshots++;
    const again = must || due;
    const verdict = again ? 'snapshot' : decided;
    counts[verdict]++;
    if (verdict === 'duplicate' || verdict === 'stale') continue;
    accepted.push({ presence, previous: again ? undefined : previous === stored ? copyOf(stored) : previous });
    nextStates.set(presence.id, stateOf(presence, observedAt));
  }
  return { observedAt, counts, accepted, nextStates, staleStreaks, resets };
}

/** The state alone, in an object of its own: `stored` is overwritten by the next presence. */
function copyOf(state: UserPresenceState): UserPresenceState {
  const { sequenceNumber, availability, activity, observedAt, fieldsHash } = state;
  return { sequenceNumber, availability, activity, observedAt, fieldsHash };
}

/**
 * The periodic re-snapshot: each user has a fixed phase in the interval (a hash of its id), and is due once a
 * boundary of its phase has passed since its last publication. So every unchanged user goes out once per
 * interval, users published together (a start) come due spread over the whole interval, and the phase survives
 * restarts. A user not published for longer than the interval is due at once (the policy's cap spreads those).
 */
export function resnapshotDue(
  userId: string,
  previous: UserPresenceState,
  observedAt: number,
  intervalMs: number,
): boolean {
  if (intervalMs <= 0) return false;
  const phase = (mix32(fnv1a32(userId)) / 0x1_0000_0000) * intervalMs;
  return Math.floor((observedAt - phase) / intervalMs) > Math.floor((previous.observedAt - phase) / intervalMs);
}
