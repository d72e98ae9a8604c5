import type { Presence } from '../graph/index.js';

/**
 * The hash of a presence's compared fields, as stored in the state topic (`fieldsHash`): cyrb53 over the JSON text
 *
 *   ["<availability, lowercase>","<activity, lowercase>",<statusMessage>,<outOfOffice>,<workLocation>]
 *
 * with the three objects' keys in the parser's order (see Presence) and strings escaped as `JSON.stringify` escapes
 * them. Earlier versions built that text with one `JSON.stringify` and hashed it; this feeds the same characters to
 * the hash piece by piece without building the text (about 3 times faster; only a string that needs escaping is
 * still written by `JSON.stringify`, on its own). So every hash equals the one an earlier version stored for the
 * same presence (test/state/fields-hash.test.ts holds it to the old form), and no stored state needs migrating.
 */
export function presenceFieldsHash(presence: Presence): number {
  state[0] = SEED_1;
  state[1] = SEED_2;
  ascii('[');
  jsonString(presence.availability, true);
  ascii(',');
  jsonString(presence.activity, true);
  const status = presence.statusMessage;
  if (status === null) ascii(',null');
  else {
    ascii(',{"content":');
    jsonString(status.content);
    ascii(',"contentType":');
    jsonString(status.contentType);
    ascii(',"publishedAt":');
    jsonString(status.publishedAt);
    ascii(',"expiresAt":');
    jsonString(status.expiresAt);
    ascii(',"expiresTimeZone":');
    jsonString(status.expiresTimeZone);
    ascii('}');
  }
  const outOfOffice = presence.outOfOffice;
  if (outOfOffice === null) ascii(',null');
  else {
    ascii(outOfOffice.isOutOfOffice ? ',{"isOutOfOffice":true,"message":' : ',{"isOutOfOffice":false,"message":');
    jsonString(outOfOffice.message);
    ascii('}');
  }
  const workLocation = presence.workLocation;
  if (workLocation === null) ascii(',null');
  else {
    ascii(',{"workLocationType":');
    jsonString(workLocation.workLocationType);
    ascii(',"source":');
    jsonString(workLocation.source);
    ascii(',"placeId":');
    jsonString(workLocation.placeId);
    ascii('}');
  }
  ascii(']');
  return digest();
}

/*
 * cyrb53, a 53-bit string hash (a collision would hide a change, so 32 bits are not enough across a tenant), fed
 * piece by piece. Its two lanes live in an Int32Array between pieces: kept in object fields or closure variables,
 * every update of a 32-bit value would allocate a heap number.
 */
const SEED_1 = 0xdeadbeef | 0;
const SEED_2 = 0x41c6ce57;
const state = new Int32Array(2);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A constant fragment: fed as it is. */
function ascii(text: string): void {
  let h1 = state[0] ?? 0;
  let h2 = state[1] ?? 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  state[0] = h1;
  state[1] = h2;
}

/** `null`, or the string as JSON.stringify writes it; `lower`: lowercased first, as toLowerCase does. */
function jsonString(value: string | null, lower = false): void {
  if (value === null) ascii('null');
  // Anything JSON.stringify escapes, or lowercasing beyond ASCII: rare, so the native functions write it.
  else if (!plainString(value, lower)) ascii(JSON.stringify(lower ? value.toLowerCase() : value));
}

/**
 * Feeds `"value"` when no character of it needs escaping (nor, with `lower`, lies beyond ASCII) and returns true;
 * otherwise feeds nothing and returns false.
 */
function plainString(value: string, lower: boolean): boolean {
  let h1 = Math.imul((state[0] ?? 0) ^ QUOTE, 2654435761);
  let h2 = Math.imul((state[1] ?? 0) ^ QUOTE, 1597334677);
  for (let i = 0; i < value.length; i++) {
    let code = value.charCodeAt(i);
    // Surrogates too: JSON.stringify escapes a lone one and keeps a pair, which it may as well decide itself.
    const escaped = code < 0x20 || code === QUOTE || code === BACKSLASH || (code >= 0xd800 && code <= 0xdfff);
    if (escaped || (lower && code > 0x7f)) return false;
    if (lower && code >= 0x41 && code <= 0x5a) code += 0x20;
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  state[0] = Math.imul(h1 ^ QUOTE, 2654435761);
  state[1] = Math.imul(h2 ^ QUOTE, 1597334677);
  return true;
}

function digest(): number {
  let h1 = state[0] ?? 0;
  let h2 = state[1] ?? 0;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
