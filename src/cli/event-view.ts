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

/** How to print one event; without `columns`, the full line `tail` prints. */
export interface EventLineOptions {
  /**
   * Fit the line in this many terminal columns (the demo's live view): the time of day (UTC) instead of the full
   * timestamp, the id's first 8 characters, fixed-width columns, availability and activity once when they agree,
   * and the presence cut to what is left. No sequence number: `tail` shows it.
   */
  columns?: number;
  /** The user's name, in a column of its own beside the short id, when the viewer knows it (the demo does). */
  displayName?: string;
}

/** `2026-01-20T10:15:02.123Z  <user>  shard emea  CHANGE    Available/Available -> Busy/InAMeeting  seq C0000001234` */
export function formatEventLine(event: DecodedPresenceChangeEvent, options: EventLineOptions = {}): string {
  if (options.columns !== undefined) return compactEventLine(event, options.columns, options.displayName);
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

// The compact line's columns: `10:15:02  6e2b5a0f…  Omar Uddin        emea      CHANGE    Available -> Busy/InACall`
const SHORT_ID_LENGTH = 8;
const COMPACT = { id: SHORT_ID_LENGTH + 1, name: 16, shard: 8, kind: KIND_WIDTH } as const;
const GAP = '  ';
// C0 and C1 controls, DEL: from the code points, since a literal control character in a regex reads as a typo.
const CONTROL = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}-${String.fromCharCode(0x9f)}]`,
  'g',
);

/** The presence column keeps at least this much even when `columns` leaves less (the line is then wider). */
const MIN_PRESENCE_WIDTH = 12;

function compactEventLine(event: DecodedPresenceChangeEvent, columns: number, displayName?: string): string {
  const fixed = [
    new Date(event.observedAt).toISOString().slice(11, 19),
    cell(shortId(event.userId), COMPACT.id),
    ...(displayName === undefined ? [] : [cell(displayName, COMPACT.name)]),
    cell(event.shard, COMPACT.shard),
    cell(event.kind, COMPACT.kind),
  ];
  const used = fixed.reduce((sum, part) => sum + displayWidth(part) + GAP.length, 0);
  return [...fixed, fit(compactTransition(event), Math.max(MIN_PRESENCE_WIDTH, columns - used))].join(GAP);
}

/** `6e2b5a0f…` for a GUID: tells a demo's few thousand users apart, and the id `tail` prints starts the same. */
function shortId(userId: string): string {
  return userId.length <= SHORT_ID_LENGTH + 1 ? userId : `${userId.slice(0, SHORT_ID_LENGTH)}…`;
}

function compactTransition(event: DecodedPresenceChangeEvent): string {
  const state = (availability: string, activity: string): string =>
    availability === activity ? availability : `${availability}/${activity}`;
  const current = state(event.availability, event.activity);
  if (event.previousAvailability === null && event.previousActivity === null) return current;
  const previous = state(event.previousAvailability ?? '?', event.previousActivity ?? '?');
  return previous === current ? `${current} (status details changed)` : `${previous} -> ${current}`;
}

/** Exactly `width` columns: cut with an ellipsis, or padded. */
function cell(text: string, width: number): string {
  const cut = fit(text, width);
  return cut + ' '.repeat(width - displayWidth(cut));
}

/** At most `width` columns; what was cut off is marked by an ellipsis. Control characters cannot move the cursor. */
function fit(text: string, width: number): string {
  const chars = Array.from(text.normalize('NFC').replace(CONTROL, '?'));
  if (chars.reduce((sum, char) => sum + charWidth(char), 0) <= width) return chars.join('');
  let kept = '';
  let used = 0;
  for (const char of chars) {
    if (used + charWidth(char) > width - 1) break;
    kept += char;
    used += charWidth(char);
  }
  return `${kept}…`;
}

function displayWidth(text: string): number {
  return Array.from(text).reduce((sum, char) => sum + charWidth(char), 0);
}

/** Terminal columns of one code point: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if ((code >= 0x300 && code <= 0x36f) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
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
