/**
 * GUID check by character codes: fixed length, no regular expression, no backtracking.
 * Shard files can hold a million ids, so this runs once per line.
 */
const DASH = 45; // '-'

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex digits, either case). */
export function isGuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== DASH) return false;
    } else if (!isHexCode(code)) {
      return false;
    }
  }
  return true;
}

/**
 * Checks the bytes `[first, stop)` for a GUID and parses its 32 hex digits into `out` (four 32-bit words).
 * Returns 0 when it is not a GUID, 1 for all-lowercase, 2 when some hex digits are uppercase.
 */
export function readGuidBytes(bytes: Uint8Array, first: number, stop: number, out: Uint32Array): 0 | 1 | 2 {
  if (stop - first !== 36) return 0;
  let upper = false;
  let word = 0;
  let digits = 0;
  for (let i = 0; i < 36; i++) {
    const code = bytes[first + i] ?? 0;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== DASH) return 0;
      continue;
    }
    let nibble: number;
    if (code >= 48 && code <= 57) nibble = code - 48;
    else if (code >= 97 && code <= 102) nibble = code - 87;
    else if (code >= 65 && code <= 70) {
      nibble = code - 55;
      upper = true;
    } else return 0;
    word = ((word << 4) | nibble) >>> 0;
    digits++;
    if ((digits & 7) === 0) {
      out[(digits >> 3) - 1] = word;
      word = 0;
    }
  }
  return upper ? 2 : 1;
}
