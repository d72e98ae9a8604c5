import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, userIdAt, userIds } from '../../src/simulator/index.js';
import { isGuid, userIdList, userIndexOf } from '../../src/simulator/user-ids.js';

const GUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('user ids', () => {
  it('are deterministic version-4 GUIDs per (index, seed), unique, and map back to their index', () => {
    const list = userIds(20_000);
    expect(new Set(list).size).toBe(20_000);
    // One assertion over all ids: 40,000 separate expect() calls would take a second.
    const wrong = list.filter((id, index) => !GUID_V4.test(id) || userIndexOf(id, 20_000, DEFAULT_SEED) !== index);
    expect(wrong).toEqual([]);
    expect(userIdAt(5)).toBe(list[5]);
    expect(userIdAt(5, 2)).not.toBe(list[5]);
    expect(userIndexOf(userIdAt(5, 2), 20_000, DEFAULT_SEED)).toBe(-1);
    expect(userIndexOf(userIdAt(20_000), 20_000, DEFAULT_SEED)).toBe(-1);
    expect(userIndexOf(list[7]?.toUpperCase() ?? '', 20_000, DEFAULT_SEED)).toBe(7);
  });
});

describe('isGuid and userIdList', () => {
  it('accepts GUIDs of either case and refuses other shapes', () => {
    expect(isGuid('6E2B5A0F-3A1E-4C55-9A57-0C7A1F2D9E11')).toBe(true);
    expect(isGuid('6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11')).toBe(true);
    expect(isGuid('6e2b5a0f3a1e4c559a570c7a1f2d9e11')).toBe(false);
    expect(isGuid('6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e1g')).toBe(false);
    expect(isGuid('{6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11}')).toBe(false);
  });

  it('lists the ids in index order, and an id with a bad digit or dash maps to no user', () => {
    const list = userIdList(50, 3);
    expect(list).toEqual(Array.from({ length: 50 }, (_, i) => userIdAt(i, 3)));
    const id = list[10] ?? '';
    expect(userIndexOf(id, 50, 3)).toBe(10);
    expect(userIndexOf(`${id.slice(0, 35)}${id.endsWith('0') ? '1' : '0'}`, 50, 3)).toBe(-1);
    expect(userIndexOf(`${id.slice(0, 8)}x${id.slice(9)}`, 50, 3)).toBe(-1);
    expect(userIndexOf(`${id.slice(0, 20)}z${id.slice(21)}`, 50, 3)).toBe(-1);
    expect(userIndexOf(id.slice(1), 50, 3)).toBe(-1);
  });
});
