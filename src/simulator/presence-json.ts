/**
 * Serialises presences in Graph's shape and property order, writing pre-encoded fragments into a ByteWriter
 * (see byte-writer.ts for why not strings).
 */
import { ByteWriter } from './byte-writer.js';
import { PLACE_IDS } from './presence-catalog.js';
import { SEQUENCE_DIGITS, type PresenceStore } from './presence-store.js';

/** Which sequence number a served presence carries; all but `current` are fault injection. */
export type SequenceVariant = 'current' | 'older' | 'repeated' | 'null' | 'absent';

/** Filled in for the recording when asked for: what this presence said. */
export interface ServedFields {
  availability: string;
  activity: string;
  sequenceNumber: string | null;
}

const SECONDS_PER_HOUR = 3600;
const QUOTE = 34;
const CLOSE_BRACE = 125;

const text = (value: string): Buffer => Buffer.from(value);
const ID_OPEN = text('{"id":"');
const AFTER_ID = text('",');
const STATUS_KEY = text(',"statusMessage":');
const NULL = text('null');
const NOT_OUT_OF_OFFICE = text(',"outOfOfficeSettings":{"message":null,"isOutOfOffice":false}');
const OUT_OF_OFFICE_OPEN = text(',"outOfOfficeSettings":{"message":');
const OUT_OF_OFFICE_CLOSE = text(',"isOutOfOffice":true}');
const SEQUENCE_KEY = text(',"sequenceNumber":');
const WORK_LOCATION_KEY = text(',"workLocation":{');
const MESSAGE_OPEN = text('{"message":');
const PUBLISHED_KEY = text(',"publishedDateTime":"');
const EXPIRY_OPEN = text('","expiryDateTime":');
const NEVER_EXPIRES = text('{"dateTime":"9999-12-31T23:59:59.9999999","timeZone":"UTC"}}');
const EXPIRY_DATE_OPEN = text('{"dateTime":"');
const EXPIRY_DATE_CLOSE = text('.0000000","timeZone":"UTC"}}');
const PLACE_ID_BYTES = PLACE_IDS.map((id) => text(JSON.stringify(id)));

/** `YYYY-MM-DDTHH:MM:SS` in UTC. */
function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19);
}

function writeStatusMessage(out: ByteWriter, store: PresenceStore, index: number, withDates: boolean): void {
  const messageIndex = store.statusMessage[index] ?? 0;
  const spec = store.catalog.statusMessages.values[messageIndex];
  const fragment = store.catalog.statusMessages.fragments[messageIndex];
  if (messageIndex === 0 || spec === null || spec === undefined || fragment === undefined) {
    out.bytes(NULL);
    return;
  }
  const publishedAt = store.statusPublishedAt[index] ?? 0;
  out.bytes(MESSAGE_OPEN);
  out.bytes(fragment);
  if (!withDates) {
    out.byte(CLOSE_BRACE);
    return;
  }
  out.bytes(PUBLISHED_KEY);
  // Graph writes DateTimeOffset with seven fractional digits, and dateTimeTimeZone without a zone designator.
  out.ascii(`${isoSeconds(publishedAt)}.0000000Z`);
  out.bytes(EXPIRY_OPEN);
  if (spec.expiresAfterHours === null) {
    out.bytes(NEVER_EXPIRES);
    return;
  }
  out.bytes(EXPIRY_DATE_OPEN);
  out.ascii(isoSeconds(publishedAt + spec.expiresAfterHours * SECONDS_PER_HOUR));
  out.bytes(EXPIRY_DATE_CLOSE);
}

function writeOutOfOffice(out: ByteWriter, store: PresenceStore, index: number): void {
  const entry = store.outOfOffice[index] ?? 0;
  const fragment = store.catalog.outOfOfficeMessages.fragments[entry];
  if (entry === 0 || fragment === undefined) {
    out.bytes(NOT_OUT_OF_OFFICE);
    return;
  }
  out.bytes(OUT_OF_OFFICE_OPEN);
  out.bytes(fragment);
  out.bytes(OUT_OF_OFFICE_CLOSE);
}

function writeWorkLocation(out: ByteWriter, store: PresenceStore, index: number): void {
  const entry = store.workLocation[index] ?? 0;
  const { values, fragments } = store.catalog.workLocations;
  const place = values[entry]?.place ?? null;
  out.bytes(WORK_LOCATION_KEY);
  out.bytes(fragments[entry] ?? NULL);
  if (place === 'perUser') out.bytes(PLACE_ID_BYTES[index % PLACE_ID_BYTES.length] ?? NULL);
  else if (place === null) out.bytes(NULL);
  else out.ascii(JSON.stringify(place));
  out.byte(CLOSE_BRACE);
}

function sequenceValue(store: PresenceStore, index: number, variant: SequenceVariant): number | null {
  if (variant === 'current') return store.sequence[index] ?? 0;
  if (variant === 'older' || variant === 'repeated') return store.previousSequence[index] ?? 0;
  return null;
}

function writeSequence(out: ByteWriter, store: PresenceStore, index: number, variant: SequenceVariant): void {
  if (variant === 'absent') return;
  out.bytes(SEQUENCE_KEY);
  const value = sequenceValue(store, index, variant);
  if (value === null) {
    out.bytes(NULL);
    return;
  }
  out.byte(QUOTE);
  out.byte(store.sequenceLetter(index));
  out.paddedInteger(value, SEQUENCE_DIGITS);
  out.byte(QUOTE);
}

function recordServed(
  store: PresenceStore,
  index: number,
  stateIndex: number,
  variant: SequenceVariant,
  served: ServedFields,
): void {
  const state = store.catalog.states.states[stateIndex];
  const value = sequenceValue(store, index, variant);
  served.availability = state?.availability ?? '';
  served.activity = state?.activity ?? '';
  served.sequenceNumber = value === null ? null : store.sequenceNumber(index, value);
}

export interface WriteOptions {
  variant: SequenceVariant;
  /** Whether a status message carries publishedDateTime and expiryDateTime. */
  statusDates: boolean;
  /** Filled with what was written, for the recording. */
  served?: ServedFields;
}

/**
 * Writes one presence. `older` serves the user's previous availability/activity with the previous number (a stale
 * replica); `repeated` serves the current state under the previous number. `id` must be a lowercase GUID.
 */
export function writePresence(
  out: ByteWriter,
  store: PresenceStore,
  index: number,
  id: string,
  options: WriteOptions,
): void {
  const { variant, served } = options;
  const stateIndex = variant === 'older' ? (store.previousState[index] ?? 0) : (store.state[index] ?? 0);
  out.bytes(ID_OPEN);
  out.ascii(id);
  out.bytes(AFTER_ID);
  out.bytes(store.catalog.states.fragments[stateIndex] ?? NULL);
  out.bytes(STATUS_KEY);
  writeStatusMessage(out, store, index, options.statusDates);
  writeOutOfOffice(out, store, index);
  writeSequence(out, store, index, variant);
  writeWorkLocation(out, store, index);
  out.byte(CLOSE_BRACE);
  if (served !== undefined) recordServed(store, index, stateIndex, variant, served);
}

/** One presence as a string, for the in-process API (`getPresence`). */
export function presenceJson(store: PresenceStore, index: number, id: string): string {
  const out = new ByteWriter(512);
  writePresence(out, store, index, id, { variant: 'current', statusDates: true });
  return out.finish().toString('utf8');
}

/** What Graph may answer for an id it cannot resolve, when the simulator is told not to omit it. */
export function writeUnknownPresence(out: ByteWriter, id: string): void {
  out.ascii(
    `{"id":"${id}","availability":"PresenceUnknown","activity":"PresenceUnknown","statusMessage":null,` +
      '"outOfOfficeSettings":{"message":null,"isOutOfOffice":false},"sequenceNumber":null,"workLocation":null}',
  );
}
