import { describe, expect, it } from 'vitest';
import { fnv1a32, mix32 } from '../src/fnv.js';

describe('fnv1a32', () => {
  it("matches FNV-1a's published test vectors, as an unsigned 32-bit number", () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('mix32', () => {
  it("is MurmurHash3's finalizer: 0 stays 0, and neighbouring inputs land far apart", () => {
    expect(mix32(0)).toBe(0);
    expect(mix32(0x811c9dc5)).toBe(2872998923);
    const fractions = Array.from({ length: 100 }, (_, i) => mix32(fnv1a32(`user-${i}`)) / 0x1_0000_0000);
    // Ids differing only in their last characters: without mixing they cluster; mixed, every tenth is filled.
    const deciles = new Set(fractions.map((fraction) => Math.floor(fraction * 10)));
    expect(deciles.size).toBe(10);
  });
});
