import { describe, expect, it } from 'vitest';
import { GuidTable } from '../../src/config/guid-table.js';

describe('GuidTable', () => {
  it('finds every duplicate among many GUIDs, across growth', () => {
    const table = new GuidTable(16);
    const words = new Uint32Array(4);
    const seen = new Map<string, number>();
    let state = 12345;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    // Mismatches are collected and compared once: 50,000 expect() calls would cost seconds for nothing.
    const mismatches: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      // Reuse earlier values now and then to create duplicates; zeros to stress the hash.
      const value = i % 7 === 0 ? [i % 100, 0, 0, 0] : [next(), next() & 0xff, 0, next()];
      words.set(value);
      const key = value.join(',');
      const slot = table.putIfAbsent(words, i, i * 2);
      const first = seen.get(key);
      if (first === undefined) {
        if (slot !== -1) mismatches.push(`#${i} ${key}: new value found at slot ${slot}`);
        seen.set(key, i);
      } else if (slot === -1) {
        mismatches.push(`#${i} ${key}: duplicate of #${first} not found`);
      } else if (table.firstAt(slot) !== first || table.secondAt(slot) !== first * 2) {
        mismatches.push(
          `#${i} ${key}: slot ${slot} holds ${table.firstAt(slot)}/${table.secondAt(slot)}, not #${first}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    expect(table.size).toBe(seen.size);
  });
});
