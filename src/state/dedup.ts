import type { Presence } from '../graph/index.js';
import { presenceFieldsHash } from './fields-hash.js';

/** What the connector remembers of a user's last presence that Kafka acknowledged. */
export interface UserPresenceState {
  sequenceNumber: string | null;
  availability: string;
  activity: string;
  observedAt: number;
  /** Hash of the compared fields, for presences that come without a sequenceNumber. */
  fieldsHash: number;
}

/**
 * A user's acknowledged state as the store holds it: the state, how many polls in a row its stamp was undercut, and
 * whether the table topic has it too.
 */
export interface StoredPresenceState extends UserPresenceState {
  /** Consecutive polls whose stamp sorted below this state's (see isSequenceReset); 0 when none. */
  staleStreak: number;
  /** The table topic got this presence with the state (same transaction), or had it already. */
  onTable: boolean;
}

export type DedupVerdict = 'snapshot' | 'change' | 'duplicate' | 'stale';

/**
 * The dedup decision, pure. With sequence numbers on both sides Graph's version stamp decides (compared as
 * strings, as documented: "lexicographically sortable"); otherwise the presence fields do.
 */
export function decide(previous: UserPresenceState | undefined, presence: Presence): DedupVerdict {
  if (previous === undefined) return 'snapshot';
  if (presence.sequenceNumber !== null && previous.sequenceNumber !== null) {
    if (presence.sequenceNumber === previous.sequenceNumber) return 'duplicate';
    return presence.sequenceNumber < previous.sequenceNumber ? 'stale' : 'change';
  }
  return presenceFieldsHash(presence) === previous.fieldsHash ? 'duplicate' : 'change';
}

/** Consecutive polls a user's stamp must sort below the stored one before it counts as a reset, not a lagging read. */
export const SEQUENCE_RESET_POLLS = 3;
/**
 * And how old the stored state must be by then: the stored stamp was visible when it was published, so a replica
 * still serving a lower one this much later is not lagging, the numbers restarted.
 */
export const SEQUENCE_RESET_AGE_MS = 5 * 60_000;

/**
 * Whether a presence `decide` called stale is a reset of the user's sequence numbers rather than a stale read:
 * `stalePolls` consecutive polls (this one included) have sorted below the stored stamp, the stored state is old
 * enough, and the presence differs from it. A lower stamp with the same presence stays dropped: nothing to publish,
 * and the first poll it differs on is accepted at once.
 */
export function isSequenceReset(
  previous: UserPresenceState,
  presence: Presence,
  stalePolls: number,
  observedAt: number,
): boolean {
  return (
    stalePolls >= SEQUENCE_RESET_POLLS &&
    observedAt - previous.observedAt >= SEQUENCE_RESET_AGE_MS &&
    presenceFieldsHash(presence) !== previous.fieldsHash
  );
}

export function stateOf(presence: Presence, observedAt: number): UserPresenceState {
  return {
    sequenceNumber: presence.sequenceNumber,
    availability: presence.availability,
    activity: presence.activity,
    observedAt,
    fieldsHash: presenceFieldsHash(presence),
  };
}

/**
 * Availability and activity compare case-insensitively (Graph's documentation shows both PascalCase and camelCase);
 * status message, out-of-office and work location exactly. The hash is stored in the state topic: see
 * fields-hash.ts for why it stays the same across versions.
 */
export { presenceFieldsHash };
