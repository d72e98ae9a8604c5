/**
 * A reader of the Avro binary PresenceState value (schemas/presence-state.avsc), field by field into an object the
 * caller keeps: a restore decodes a million of these in a row, and avsc builds a new record object for each.
 * It accepts exactly what avsc's `fromBuffer` accepts for that schema and throws where avsc throws: a truncated
 * value, trailing bytes, a union branch other than null or string, a long beyond 2^53.
 */
import type { UserPresenceState } from './dedup.js';

/** What a read has got to: the bytes and the position, kept in a closure-free object reused per call. */
interface Cursor {
  buf: Buffer;
  pos: number;
}

const cursor: Cursor = { buf: Buffer.alloc(0), pos: 0 };

export function readPresenceState(value: Buffer, target: UserPresenceState): UserPresenceState {
  cursor.buf = value;
  cursor.pos = 0;
  const branch = readLong(cursor);
  if (branch !== 0 && branch !== 1) throw new Error(`invalid union index: ${branch}`);
  const sequenceNumber = branch === 1 ? readString(cursor) : null;
  const availability = readString(cursor);
  const activity = readString(cursor);
  const observedAt = readLong(cursor);
  const fieldsHash = readLong(cursor);
  if (cursor.pos !== value.length) throw new Error(cursor.pos > value.length ? 'truncated buffer' : 'trailing data');
  target.sequenceNumber = sequenceNumber;
  target.availability = availability;
  target.activity = activity;
  target.observedAt = observedAt;
  target.fieldsHash = fieldsHash;
  // The cursor must not keep the last record's bytes alive.
  cursor.buf = EMPTY;
  return target;
}

const EMPTY = Buffer.alloc(0);

/**
 * Zig-zag varint, step for step as avsc's Tap.readLong reads it (integer arithmetic for the first 28 bits, then
 * floating point), so that even the values near 2^53 come out as avsc's do.
 */
function readLong(at: Cursor): number {
  let n = 0;
  let k = 0;
  let byte: number;
  do {
    byte = nextByte(at);
    n |= (byte & 0x7f) << k;
    k += 7;
  } while ((byte & 0x80) !== 0 && k < 28);
  if ((byte & 0x80) === 0) return (n >> 1) ^ -(n & 1);
  let f = n;
  let fk = 268_435_456; // 2 ** 28
  do {
    byte = nextByte(at);
    f += (byte & 0x7f) * fk;
    fk *= 128;
  } while ((byte & 0x80) !== 0);
  const value = (f % 2 === 1 ? -(f + 1) : f) / 2;
  if (!Number.isSafeInteger(value) || Math.abs(value) > MAX_LONG) throw new Error('potential precision loss');
  return value;
}

/** avsc's isSafeLong bound. */
const MAX_LONG = 2 ** 53 - 2;

function nextByte(at: Cursor): number {
  const byte = at.buf[at.pos++];
  if (byte === undefined) throw new Error('truncated buffer');
  return byte;
}

function readString(at: Cursor): string {
  const length = readLong(at);
  const end = at.pos + length;
  if (length < 0 || end > at.buf.length) throw new Error('truncated buffer');
  const text = at.buf.toString('utf8', at.pos, end);
  at.pos = end;
  return text;
}
