/**
 * Deterministic user object ids. An id is derived from (index, seed) by a keyed 32-bit permutation, so the reverse
 * lookup id -> index is arithmetic: no Map of a million strings (about 100 MB) is needed to answer a request.
 *
 * Layout: the first 8 hex digits are the permuted index; the other 24 are a hash of it, with the version nibble set
 * to 4 and the RFC 4122 variant bits, so every id is a well-formed version-4 GUID.
 */
import { mix32 } from './random.js';

const FEISTEL_ROUNDS = 4;
const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The largest population the id scheme supports: the permutation works on 32-bit indices. */
export const MAX_USER_INDEX = 0xffffffff;

export function isGuid(value: string): boolean {
  return value.length === 36 && GUID_PATTERN.test(value);
}

function roundKey(seed: number, round: number): number {
  return mix32((seed >>> 0) + Math.imul(round + 1, 0x9e3779b9));
}

function roundFunction(half: number, key: number): number {
  return mix32(half ^ key) & 0xffff;
}

function permute(index: number, seed: number): number {
  let left = index >>> 16;
  let right = index & 0xffff;
  for (let round = 0; round < FEISTEL_ROUNDS; round++) {
    const next = left ^ roundFunction(right, roundKey(seed, round));
    left = right;
    right = next;
  }
  return ((left << 16) | right) >>> 0;
}

function unpermute(value: number, seed: number): number {
  let left = value >>> 16;
  let right = value & 0xffff;
  for (let round = FEISTEL_ROUNDS - 1; round >= 0; round--) {
    const previous = right ^ roundFunction(left, roundKey(seed, round));
    right = left;
    left = previous;
  }
  return ((left << 16) | right) >>> 0;
}

/** The four 32-bit words of a user's id; the first is the permuted index, the rest a keyed hash of it. */
function idWords(permuted: number, seed: number): [number, number, number, number] {
  const a = mix32(permuted ^ roundKey(seed, 11));
  const b = mix32(permuted ^ roundKey(seed, 12));
  const c = mix32(permuted ^ roundKey(seed, 13));
  const versioned = ((a & 0xffff0000) | 0x4000 | (a & 0x0fff)) >>> 0;
  const variant = (((((0x8 | (b >>> 30)) << 12) | ((b >>> 16) & 0x0fff)) << 16) | (b & 0xffff)) >>> 0;
  return [permuted, versioned, variant, c >>> 0];
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** The id of the user at `index` in a population generated with `seed`. */
export function userIdAt(index: number, seed: number): string {
  const [w0, w1, w2, w3] = idWords(permute(index, seed), seed);
  const h1 = hex8(w1);
  const h2 = hex8(w2);
  return `${hex8(w0)}-${h1.slice(0, 4)}-${h1.slice(4)}-${h2.slice(0, 4)}-${h2.slice(4)}${hex8(w3)}`;
}

/** All ids of a population, in index order. Allocates one string per user: call it once, not per request. */
export function userIdList(count: number, seed: number): string[] {
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = userIdAt(i, seed);
  return ids;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** Eight hex digits starting at `from`, skipping one dash at `dashAt` (relative); -1 if any is not a hex digit. */
function readWord(id: string, from: number, dashAt: number): number {
  let value = 0;
  let position = from;
  for (let digit = 0; digit < 8; digit++, position++) {
    if (digit === dashAt) position++;
    const nibble = HEX_VALUE[id.charCodeAt(position)] ?? -1;
    if (nibble < 0) return -1;
    value = (value << 4) | nibble;
  }
  return value >>> 0;
}

const DASHES = [8, 13, 18, 23];

/**
 * The index of a user id in a population of `count`, or -1 for an id that is not one of its users. Compares the
 * parsed words with the expected ones instead of rebuilding the string: this runs for every id of every request.
 * GUIDs compare case-insensitively, as Entra ID does.
 */
export function userIndexOf(id: string, count: number, seed: number): number {
  if (id.length !== 36 || DASHES.some((at) => id.charCodeAt(at) !== 45)) return -1;
  const permuted = readWord(id, 0, -1);
  if (permuted < 0) return -1;
  const index = unpermute(permuted, seed);
  if (index >= count) return -1;
  const [, w1, w2, w3] = idWords(permuted, seed);
  // Words 1 and 2 each span a dash: digits 9-12 + 14-17, and 19-22 + 24-27; word 3 is digits 28-35.
  return readWord(id, 9, 4) === w1 && readWord(id, 19, 4) === w2 && readWord(id, 28, -1) === w3 ? index : -1;
}
