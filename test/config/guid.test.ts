import { describe, expect, it } from 'vitest';
import { isGuid, readGuidBytes } from '../../src/config/guid.js';

const ID = '0123abcd-4567-89ef-0a1b-2c3d4e5f6789';

describe('isGuid', () => {
  it('accepts hex digits of either case with dashes at 8, 13, 18 and 23', () => {
    expect(isGuid(ID)).toBe(true);
    expect(isGuid(ID.toUpperCase())).toBe(true);
    expect(isGuid(ID.slice(1))).toBe(false);
    expect(isGuid(`${ID}0`)).toBe(false);
    expect(isGuid(ID.replace('-', '0'))).toBe(false);
    expect(isGuid(ID.replace('a', 'g'))).toBe(false);
    expect(isGuid(`${ID.slice(0, 7)}-0${ID.slice(9)}`)).toBe(false);
  });
});

describe('readGuidBytes', () => {
  it('parses the 32 digits into four words and reports whether any was uppercase', () => {
    const bytes = Buffer.from(`xx${ID}yy${ID.toUpperCase()}`, 'latin1');
    const out = new Uint32Array(4);
    expect(readGuidBytes(bytes, 2, 38, out)).toBe(1);
    expect([...out]).toEqual([0x0123abcd, 0x456789ef, 0x0a1b2c3d, 0x4e5f6789]);
    out.fill(0);
    expect(readGuidBytes(bytes, 40, 76, out)).toBe(2);
    expect([...out]).toEqual([0x0123abcd, 0x456789ef, 0x0a1b2c3d, 0x4e5f6789]);
  });

  it('returns 0 for a wrong length, a missing dash or a non-hex byte', () => {
    const out = new Uint32Array(4);
    expect(readGuidBytes(Buffer.from(ID), 0, 35, out)).toBe(0);
    expect(readGuidBytes(Buffer.from(ID.replace('-', 'f')), 0, 36, out)).toBe(0);
    expect(readGuidBytes(Buffer.from(ID.replace('9', 'z')), 0, 36, out)).toBe(0);
    expect(readGuidBytes(Buffer.from(ID.replace('4', 'é')), 0, 36, out)).toBe(0);
  });
});
