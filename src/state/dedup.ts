import type { Presence } from '../graph/index.js';

/** What the connector remembers of a user's last presence that Kafka acknowledged. */
export interface UserPresenceState {
  sequenceNumber: string | null;
  availability: string;
  activity: string;
  observedAt: number;
  /** Hash of the compared fields, for presences that come without a sequenceNumber. */
  fieldsHash: number;
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
 * status message, out-of-office and work location exactly.
 */
export function presenceFieldsHash(presence: Presence): number {
  return cyrb53(
    JSON.stringify([
      presence.availability.toLowerCase(),
      presence.activity.toLowerCase(),
      presence.statusMessage,
      presence.outOfOffice,
      presence.workLocation,
    ]),
  );
}

/** A 53-bit string hash: a collision would hide a change, so 32 bits are not enough across a tenant. */
function cyrb53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
