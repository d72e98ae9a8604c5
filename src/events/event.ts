import { randomUUID } from 'node:crypto';
import type { OutOfOffice, Presence, StatusMessage, WorkLocation } from '../graph/index.js';

/** The kinds this connector writes. On the topic `kind` is a string: a newer writer may add kinds. */
export type ChangeKind = 'SNAPSHOT' | 'CHANGE' | 'REMOVED';

/** Graph's own word for a presence nobody can tell: what a REMOVED event says of the user from now on. */
export const UNKNOWN_PRESENCE = 'PresenceUnknown';

/** The value record of schemas/presence-change.avsc, as this connector writes it; field docs live in the schema. */
export interface PresenceChangeEvent {
  eventId: string;
  kind: ChangeKind;
  userId: string;
  tenantId: string;
  shard: string;
  availability: string;
  activity: string;
  statusMessage: StatusMessage | null;
  outOfOffice: OutOfOffice | null;
  workLocation: WorkLocation | null;
  sequenceNumber: string | null;
  previousAvailability: string | null;
  previousActivity: string | null;
  previousSequenceNumber: string | null;
  observedAt: number;
  previousObservedAt: number | null;
  connector: string;
}

/**
 * An event as read from the topic: `kind` may be a value this version does not know, written by a newer
 * connector, so readers must not assume ChangeKind.
 */
export interface DecodedPresenceChangeEvent extends Omit<PresenceChangeEvent, 'kind'> {
  kind: string;
}

export function isKnownChangeKind(kind: string): kind is ChangeKind {
  return kind === 'SNAPSHOT' || kind === 'CHANGE' || kind === 'REMOVED';
}

/** What the event needs to know about the last observation that reached Kafka. */
export interface PreviousObservation {
  availability: string;
  activity: string;
  sequenceNumber: string | null;
  observedAt: number;
}

export interface EventContext {
  tenantId: string;
  shard: string;
  connector: string;
  observedAt: number;
}

export function buildPresenceEvent(
  presence: Presence,
  previous: PreviousObservation | undefined,
  context: EventContext,
  eventId: string = randomUUID(),
): PresenceChangeEvent {
  return {
    eventId,
    kind: previous === undefined ? 'SNAPSHOT' : 'CHANGE',
    userId: presence.id,
    tenantId: context.tenantId,
    shard: context.shard,
    availability: presence.availability,
    activity: presence.activity,
    statusMessage: presence.statusMessage,
    outOfOffice: presence.outOfOffice,
    workLocation: presence.workLocation,
    sequenceNumber: presence.sequenceNumber,
    previousAvailability: previous?.availability ?? null,
    previousActivity: previous?.activity ?? null,
    previousSequenceNumber: previous?.sequenceNumber ?? null,
    observedAt: context.observedAt,
    previousObservedAt: previous?.observedAt ?? null,
    connector: context.connector,
  };
}

/**
 * The last event of a user who left the watched set: the presence is no longer known (PresenceUnknown, no
 * sequence number), and the previous fields carry the last presence that reached Kafka.
 */
export function buildRemovedEvent(
  userId: string,
  last: PreviousObservation,
  context: EventContext,
  eventId: string = randomUUID(),
): PresenceChangeEvent {
  return {
    eventId,
    kind: 'REMOVED',
    userId,
    tenantId: context.tenantId,
    shard: context.shard,
    availability: UNKNOWN_PRESENCE,
    activity: UNKNOWN_PRESENCE,
    statusMessage: null,
    outOfOffice: null,
    workLocation: null,
    sequenceNumber: null,
    previousAvailability: last.availability,
    previousActivity: last.activity,
    previousSequenceNumber: last.sequenceNumber,
    observedAt: context.observedAt,
    previousObservedAt: last.observedAt,
    connector: context.connector,
  };
}
