/**
 * Two functions of kafkajs 2.2.4 replaced at run time, before kafkajs loads, by versions that produce the same
 * result without its costs (BENCHMARKS.md, "Proposals" 1 and 2). kafkajs has had no release since February 2023,
 * so the files replaced are fixed; the replacement happens only for exactly that version, and only when kafkajs is
 * not loaded yet (its modules capture each other at load). Otherwise kafkajs runs as shipped, only slower.
 *
 * - `producer/groupMessagesPerPartition.js` copies the partition's array for every message (`[...current,
 *   message]`): quadratic in the records per partition of one send, and a transaction's state records all go to one
 *   partition. The replacement pushes: linear, same grouping, same order.
 * - `protocol/recordBatch/record/v0` encodes a record with a zero-filled 512 B Encoder, plus one more per header
 *   (eight per CloudEvents event) and a small Buffer per varint. The replacement writes the same bytes into one
 *   buffer of the record's exact size, taken from Node's Buffer pool.
 *
 * Not a postinstall patch: an install script does not run for the users of a published package, and npm warns
 * about them; this runs wherever the connector does (kafkajs-first.ts, imported first by src/kafka/index.ts). test/kafka/kafkajs-patches.test.ts holds the replacements to
 * the originals' output, byte for byte.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The kafkajs release whose files these replacements mirror. */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

const GROUPING = 'kafkajs/src/producer/groupMessagesPerPartition.js';
const RECORD = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
/** Loaded by kafkajs's index through the producer: present in the cache once kafkajs has loaded. */
const SEND_MESSAGES = 'kafkajs/src/producer/sendMessages.js';

type HeaderValue = string | Buffer;
interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue | HeaderValue[]>;
}
/** The parts of kafkajs's protocol Encoder used here (src/protocol/encoder.js). */
interface Encoder {
  buf: Buffer;
  offset: number;
}
interface EncoderClass {
  new (initialSize?: number): Encoder;
}
type EncodeRecord = (record: RecordInput) => Encoder;
interface GroupArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

export type KafkajsPatchOutcome = 'installed' | 'already-installed' | 'kafkajs-loaded-first' | 'other-version';
let outcome: KafkajsPatchOutcome | undefined;

/** Installs both replacements once; says why not when it cannot. Idempotent. */
export function installKafkajsPatches(): KafkajsPatchOutcome {
  if (outcome !== undefined) return outcome === 'installed' ? 'already-installed' : outcome;
  const version = (require('kafkajs/package.json') as { version: string }).version;
  if (version !== PATCHED_KAFKAJS_VERSION) outcome = 'other-version';
  else if (require.cache[require.resolve(SEND_MESSAGES)] !== undefined) outcome = 'kafkajs-loaded-first';
  else {
    const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
    const original = require(RECORD) as EncodeRecord;
    replaceModule(GROUPING, groupMessagesPerPartition);
    replaceModule(RECORD, createRecordEncoder(Encoder, original));
    outcome = 'installed';
  }
  return outcome;
}

/** Linear: kafkajs's grouping (same partitions, same order within each) without copying per message. */
export function groupMessagesPerPartition<M>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArgs<M>): Record<number, M[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, M[]> = {};
  for (const message of messages) (result[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return result;
}

/**
 * kafkajs's record v0 encoder writing the same bytes into one exactly sized buffer from Node's pool, with each
 * length computed once. kafkajs takes one zero-filled 512 B buffer per record and per header, and one more small
 * Buffer per varint it writes. Records it would encode in an unusual way (a header with several values or none,
 * a timestamp delta beyond 32 bits) go to the original.
 */
export function createRecordEncoder(Encoder: EncoderClass, original: EncodeRecord): EncodeRecord {
  return (record) => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = record;
    if (!isInt32(timestampDelta) || !isInt32(offsetDelta)) return original(record);
    const names = Object.keys(headers);
    const lengths: number[] = [];
    let headerBytes = varIntSize(names.length);
    for (const name of names) {
      const header = headers[name];
      if (header === undefined || header === null || Array.isArray(header)) return original(record);
      headerBytes += bytesSize(name, lengths) + bytesSize(header, lengths);
    }
    const body =
      1 +
      varIntSize(timestampDelta) +
      varIntSize(offsetDelta) +
      bytesSize(key, lengths) +
      bytesSize(value, lengths) +
      headerBytes;
    const buf = Buffer.allocUnsafe(varIntSize(body) + body);
    let at = writeVarInt(buf, 0, body);
    buf[at++] = 0; // attributes: none used
    at = writeVarInt(buf, at, timestampDelta); // a varlong of a 32-bit value is its varint
    at = writeVarInt(buf, at, offsetDelta);
    let next = 0;
    // lengths holds each header name and value's, then the key's and value's, in the order sized above.
    const keyAt = names.length * 2;
    at = writeBytes(buf, at, key, lengths[keyAt] ?? -1);
    at = writeBytes(buf, at, value, lengths[keyAt + 1] ?? -1);
    at = writeVarInt(buf, at, names.length);
    for (const name of names) {
      at = writeBytes(buf, at, name, lengths[next++] ?? -1);
      at = writeBytes(buf, at, headers[name] as HeaderValue, lengths[next++] ?? -1);
    }
    const encoder = new Encoder(0);
    encoder.buf = buf;
    encoder.offset = at;
    return encoder;
  };
}

function isInt32(value: number): boolean {
  return value === (value | 0);
}

function zigZag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Bytes of kafkajs's writeVarInt(value) for a 32-bit value. */
function varIntSize(value: number): number {
  let rest = zigZag(value);
  let size = 1;
  while (rest >= 0x80) {
    size++;
    rest >>>= 7;
  }
  return size;
}

/** Size of a varint length plus the bytes (-1 and nothing for null); records the byte length in `lengths`. */
function bytesSize(value: Buffer | string | null, lengths: number[]): number {
  const length = value === null ? -1 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  lengths.push(length);
  return length < 0 ? varIntSize(-1) : varIntSize(length) + length;
}

function writeVarInt(buf: Buffer, at: number, value: number): number {
  let rest = zigZag(value);
  let position = at;
  while (rest >= 0x80) {
    buf[position++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[position++] = rest;
  return position;
}

function writeBytes(buf: Buffer, at: number, value: Buffer | string | null, length: number): number {
  const start = writeVarInt(buf, at, length);
  if (value === null) return start;
  if (typeof value === 'string') buf.write(value, start, length, 'utf8');
  else value.copy(buf, start);
  return start + length;
}

function replaceModule(specifier: string, exports: unknown): void {
  const filename = require.resolve(specifier);
  const loaded = require.cache[filename];
  if (loaded === undefined) require(filename);
  const module = require.cache[filename];
  if (module !== undefined) module.exports = exports;
}
