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
