import { describe, expect, it } from 'vitest';
import { assignSticky, type StickyMember } from '../../src/kafka/sticky-assignment.js';

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);

function member(memberId: string, claimed: number[] = [], generation = 5): StickyMember {
  return { memberId, claimed, generation };
}

/** The members' claims as the last assignment left them, confirmed in `generation`. */
function claimsOf(assignment: Map<string, number[]>, generation = 5): StickyMember[] {
  return [...assignment].map(([memberId, claimed]) => member(memberId, claimed, generation));
}

function expectExactCover(assignment: Map<string, number[]>, partitions: readonly number[]): void {
  const all = [...assignment.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual([...partitions].sort((a, b) => a - b));
}

function expectBalanced(assignment: Map<string, number[]>): void {
  const counts = [...assignment.values()].map((partitions) => partitions.length);
  expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
}

/** How many partitions changed hands between two assignments (a partition new to the topic does not count). */
function moves(before: Map<string, number[]>, after: Map<string, number[]>): number {
  const ownerBefore = new Map([...before].flatMap(([id, partitions]) => partitions.map((p) => [p, id] as const)));
  let moved = 0;
  for (const [id, partitions] of after)
    for (const partition of partitions) if ((ownerBefore.get(partition) ?? id) !== id) moved++;
  return moved;
}

/** A small deterministic generator, so that a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('assignSticky', () => {
  it('shares a new group round robin, balanced', () => {
    const assignment = assignSticky(range(6), [member('c'), member('a'), member('b')]);
    expect(Object.fromEntries(assignment)).toEqual({ a: [0, 3], b: [1, 4], c: [2, 5] });
  });

  it("moves only the leaver's partitions when a member leaves, each survivor taking an even part", () => {
    const before = new Map([
      ['a', [0, 3]],
      ['b', [1, 4]],
      ['c', [2, 5]],
    ]);
    const after = assignSticky(
      range(6),
      claimsOf(before).filter((m) => m.memberId !== 'a'),
    );
    expect(Object.fromEntries(after)).toEqual({ b: [0, 1, 4], c: [2, 3, 5] });
  });

  it('gives a joining member a fair share taken from the members that hold the most, and moves nothing else', () => {
    const before = new Map([
      ['a', [0, 1, 4]],
      ['b', [2, 3, 5]],
    ]);
    const after = assignSticky(range(6), [...claimsOf(before), member('c')]);
    expect(Object.fromEntries(after)).toEqual({ a: [0, 1], b: [2, 3], c: [4, 5] });
    expect(moves(before, after)).toBe(2);
  });

  it('with uneven counts, gives the larger shares to the members that already hold more', () => {
    const before = new Map([
      ['a', [0, 1]],
      ['b', [2, 3, 4]],
      ['c', [5, 6]],
    ]);
    const after = assignSticky(range(7), claimsOf(before));
    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
  });

  it('breaks ties between equal holders by member id, the same way whatever order the members come in', () => {
    const claims = [member('b', [0, 1]), member('a', [2, 3]), member('c', [4, 5])];
    const first = assignSticky(range(6), [...claims, member('d')]);
    const second = assignSticky(range(6), [member('d'), ...[...claims].reverse()]);
    expect(first).toEqual(second);
    // 6 over 4: a and b (smallest ids among the holders of 2) keep 2, c gives 5 to d, and d takes nothing else.
    expect(Object.fromEntries(first)).toEqual({ a: [2, 3], b: [0, 1], c: [4], d: [5] });
  });

  it('a member that held everything keeps its lowest partitions up to its share, the newcomers share the rest', () => {
    const after = assignSticky(range(6), [member('a', range(6)), member('b'), member('c')]);
    expect(Object.fromEntries(after)).toEqual({ a: [0, 1], b: [2, 4], c: [3, 5] });
  });

  it('gives partitions added to the topic (shards added by the config) to the members below their share', () => {
    const before = new Map([
      ['a', [0, 2]],
      ['b', [1, 3]],
    ]);
    const after = assignSticky(range(6), claimsOf(before));
    expect(Object.fromEntries(after)).toEqual({ a: [0, 2, 4], b: [1, 3, 5] });
    expect(moves(before, after)).toBe(0);
  });

  it('ignores claims of partitions the topic no longer has, and a member claiming a partition twice', () => {
    const after = assignSticky(range(3), [member('a', [0, 0, 7]), member('b', [1, 9])]);
    expect(Object.fromEntries(after)).toEqual({ a: [0, 2], b: [1] });
  });

  describe('a partition claimed by two members (a stale claim after an expulsion)', () => {
    it('goes to the claim of the later generation, whichever member id is smaller', () => {
      const after = assignSticky(range(4), [member('a', [0, 1, 2], 3), member('b', [2, 3], 4)]);
      expect(Object.fromEntries(after)).toEqual({ a: [0, 1], b: [2, 3] });
    });

    it('goes to a confirmed claim rather than one of unknown generation', () => {
      const after = assignSticky(range(4), [member('a', [0, 1], -1), member('b', [1, 2], 7), member('c', [3], -1)]);
      expect(after.get('b')).toContain(1);
      expectExactCover(after, range(4));
    });

    it('on equal generations goes to the smallest member id, deterministically', () => {
      const claims = [member('m-2', [0, 1], 6), member('m-1', [1, 2], 6)];
      const after = assignSticky(range(4), claims);
      expect(after.get('m-1')).toEqual([1, 2]);
      expect(assignSticky(range(4), [...claims].reverse())).toEqual(after);
      expectExactCover(after, range(4));
    });
  });

  it('handles no members, no partitions, and more members than partitions', () => {
    expect(assignSticky(range(3), []).size).toBe(0);
    expect(Object.fromEntries(assignSticky([], [member('a', [1])]))).toEqual({ a: [] });
    const sparse = assignSticky(range(2), [member('a'), member('b', [1]), member('c')]);
    expect(Object.fromEntries(sparse)).toEqual({ a: [0], b: [1], c: [] });
  });

  it('over many random groups: exact cover, balance, survivors never lose on a leave, only the share moves on a join', () => {
    const next = random(42);
    for (let round = 0; round < 500; round++) {
      const partitions = range(1 + Math.floor(next() * 40));
      const ids = range(1 + Math.floor(next() * 8)).map((index) => `m${index}-${Math.floor(next() * 1000)}`);
      const settled = assignSticky(
        partitions,
        ids.map((id) => member(id)),
      );
      expectExactCover(settled, partitions);
      expectBalanced(settled);

      // A member leaves: the others keep everything they had.
      const leaver = ids[Math.floor(next() * ids.length)] ?? '';
      const afterLeave = assignSticky(
        partitions,
        claimsOf(settled).filter((m) => m.memberId !== leaver),
      );
      expectExactCover(afterLeave, ids.length > 1 ? partitions : []);
      if (ids.length > 1) expectBalanced(afterLeave);
      for (const [id, kept] of settled)
        if (id !== leaver) expect(afterLeave.get(id), `round ${round}`).toEqual(expect.arrayContaining(kept));
      // Only the leaver's partitions change hands (none when it was the last member: nobody is left to take them).
      expect(moves(settled, afterLeave)).toBe(ids.length > 1 ? settled.get(leaver)?.length : 0);

      // A member joins: it takes its fair share, the others only give.
      const afterJoin = assignSticky(partitions, [...claimsOf(settled), member('new')]);
      expectExactCover(afterJoin, partitions);
      expectBalanced(afterJoin);
      expect(afterJoin.get('new')?.length).toBe(Math.floor(partitions.length / (ids.length + 1)));
      for (const [id, had] of settled)
        expect(had, `round ${round}`).toEqual(expect.arrayContaining(afterJoin.get(id) ?? []));
      expect(moves(settled, afterJoin)).toBe(afterJoin.get('new')?.length);
    }
  });

  it('through a long chain of random joins and leaves, every change moves only what it must', () => {
    const next = random(7);
    const partitions = range(23);
    let current = new Map<string, number[]>();
    let serial = 0;
    for (let step = 0; step < 400; step++) {
      const ids = [...current.keys()];
      const leaving = ids.length > 0 && (ids.length >= 9 || next() < 0.5);
      const leaver = leaving ? ids[Math.floor(next() * ids.length)] : undefined;
      const members = claimsOf(current, step).filter((m) => m.memberId !== leaver);
      if (!leaving) members.push(member(`w${serial++}`));
      const after = assignSticky(partitions, members);
      expectExactCover(after, members.length > 0 ? partitions : []);
      if (members.length > 0) expectBalanced(after);
      const required = leaving ? (members.length > 0 ? (current.get(leaver ?? '')?.length ?? 0) : 0) : 0;
      const joinerShare = leaving ? 0 : Math.floor(partitions.length / members.length);
      if (ids.length === 0) expect(moves(current, after)).toBe(0);
      else expect(moves(current, after), `step ${step}`).toBe(required + (leaving ? 0 : joinerShare));
      current = after;
    }
  });
});
