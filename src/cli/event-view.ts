/**
 * How a presence event on the topic is shown to a person or a tool: shared by `tail` and the demo, so both print
 * the same thing.
 */
import type { DecodedPresenceChangeEvent } from '../events/index.js';
import type { TopicRecord } from '../kafka/index.js';
import type { ValueFormat } from './record-decoder.js';

export type EventFormat = 'human' | 'json';

// The widest kind this version writes; a kind added by a newer writer is printed as it is, unpadded if longer.
const KIND_WIDTH = 'SNAPSHOT'.length;

/** `2026-01-20T10:15:02.123Z  <user>  shard emea  CHANGE    Available/Available -> Busy/InAMeeting  seq C0000001234` */
export function formatEventLine(event: DecodedPresenceChangeEvent): string {
  const observedAt = new Date(event.observedAt).toISOString();
  const parts = [
    observedAt,
    event.userId,
    `shard ${event.shard}`,
    event.kind.padEnd(KIND_WIDTH),
    transition(event),
    `seq ${event.sequenceNumber ?? '-'}`,
  ];
  return parts.join('  ');
}

function transition(event: DecodedPresenceChangeEvent): string {
  const current = `${event.availability}/${event.activity}`;
  if (event.previousAvailability === null && event.previousActivity === null) return current;
  const previous = `${event.previousAvailability ?? '?'}/${event.previousActivity ?? '?'}`;
  // The event carries no previous status message, out-of-office or work location, so only say that one changed.
  const note = previous === current ? ' (status message, out of office or work location changed)' : '';
  return `${previous} -> ${current}${note}`;
}

/** One JSON object per line: where the record sits, then the event's fields, for jq and scripts. */
export function formatEventJson(
  event: DecodedPresenceChangeEvent,
  record: Pick<TopicRecord, 'partition' | 'offset'>,
  value?: ValueFormat,
): string {
  const written =
    value === undefined
      ? {}
      : { valueFormat: value.format, ...('schemaId' in value ? { schemaId: value.schemaId } : {}) };
  return JSON.stringify({ partition: record.partition, offset: record.offset, ...written, ...event });
}

export function formatUndecodable(record: TopicRecord, reason: string): string {
  const key = record.key === null ? 'no key' : `key ${record.key}`;
  return `skipped record at partition ${record.partition} offset ${record.offset} (${key}, ${record.value.length} bytes): cannot decode it as a presence event: ${reason}`;
}

/**
 * A record without a value: on the table topic, a user who left the watched set (the key's earlier rows go at
 * the next compaction). The change topic never has one.
 */
export function formatTombstone(record: TopicRecord, format: EventFormat): string {
  if (format === 'json') {
    return JSON.stringify({ partition: record.partition, offset: record.offset, key: record.key, tombstone: true });
  }
  return `${record.key ?? '(no key)'}  tombstone: no current presence (left the watched set)  partition ${record.partition} offset ${record.offset}`;
}
