import { randomUUID } from 'node:crypto';
import type { OutOfOffice, Presence, StatusMessage, WorkLocation } from '../graph/index.js';

/** The kinds this connector writes. On the topic `kind` is a string: a newer writer may add kinds (REMOVED). */
export type ChangeKind = 'SNAPSHOT' | 'CHANGE';

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
  return kind === 'SNAPSHOT' || kind === 'CHANGE';
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
