import { describe, expect, it } from 'vitest';
import { buildDirectory } from '../../src/simulator/directory-layout.js';
import { isGroupRef, refIndex } from '../../src/simulator/directory-groups.js';
import { directorySchema, type DirectoryOptionsInput } from '../../src/simulator/directory-options.js';
import type { Directory } from '../../src/simulator/directory.js';

function build(input: DirectoryOptionsInput, users = 2000, seed = 3, noTeams = (_: number): boolean => false) {
  return buildDirectory(directorySchema.parse(input), users, seed, noTeams);
}

/** Each group's parent in the nesting tree (the first group that lists it), -1 for none. */
function levels(directory: Directory): number[] {
  const parent = new Array<number>(directory.groups.count).fill(-1);
  for (let group = 0; group < directory.groups.count; group++) {
    for (const ref of directory.groups.memberRefs(group)) {
      if (isGroupRef(ref) && parent[refIndex(ref)] === -1 && refIndex(ref) > group) parent[refIndex(ref)] = group;
    }
  }
  return parent.map((_, group) => {
    let level = 0;
    for (let up = parent[group] ?? -1; up >= 0; up = parent[up] ?? -1) level++;
    return level;
  });
}

describe('directory layout', () => {
  it('is the same for the same seed', () => {
    const a = build({ groupCount: 7, cycles: 2 });
    const b = build({ groupCount: 7, cycles: 2 });
    for (let group = 0; group < 7; group++)
      expect([...a.groups.memberRefs(group)]).toEqual([...b.groups.memberRefs(group)]);
    expect(Array.from({ length: 2000 }, (_, i) => a.users.attributes(i))).toEqual(
      Array.from({ length: 2000 }, (_, i) => b.users.attributes(i)),
    );
    const other = build({ groupCount: 7 }, 2000, 4);
    expect([...other.groups.memberRefs(0)]).not.toEqual([...a.groups.memberRefs(0)]);
  });

  it('draws guests, disabled accounts and second memberships at the configured shares', () => {
    const directory = build({ guestShare: 0.2, disabledShare: 0.1, groupCount: 5, secondGroupShare: 0.3 }, 20_000);
    const attributes = Array.from({ length: 20_000 }, (_, i) => directory.users.attributes(i));
    expect(attributes.filter((a) => a.userType === 'Guest').length / 20_000).toBeCloseTo(0.2, 1);
    expect(attributes.filter((a) => !a.accountEnabled).length / 20_000).toBeCloseTo(0.1, 1);
    const memberships = directory.groups.membershipCount() - (5 - 1); // minus the nesting tree's edges
    expect(memberships / 20_000).toBeCloseTo(1.3, 1);
    expect(directory.transitiveMembers(0).users).toBe(20_000);
  });

  it('takes Teams from the presence population and leaves the reserve out of the directory', () => {
    const directory = build({ initialUsers: 80, groupCount: 2 }, 100, 3, (i) => i % 10 === 0);
    expect(directory.users.attributes(10).hasTeams).toBe(false);
    expect(directory.users.attributes(11).hasTeams).toBe(true);
    expect(directory.users.exists(79)).toBe(true);
    expect(directory.users.exists(80)).toBe(false);
    expect(directory.reserveLeft).toBe(20);
    expect(directory.transitiveMembers(0).users).toBe(80);
  });

  it('nests groups no deeper than asked, flat with depth 0, and closes cycles when asked', () => {
    const nested = build({ groupCount: 40, nestingDepth: 3 });
    expect(Math.max(...levels(nested))).toBeLessThanOrEqual(3);
    expect(Math.max(...levels(nested))).toBeGreaterThan(0);
    const flat = build({ groupCount: 5, nestingDepth: 0 });
    for (let group = 0; group < 5; group++) expect([...flat.groups.memberRefs(group)].some(isGroupRef)).toBe(false);
    const cyclic = build({ groupCount: 10, nestingDepth: 2, cycles: 1 });
    // Some group reaches itself: its transitive walk finds a group that lists an ancestor.
    const reachesItself = Array.from({ length: 10 }, (_, g) => g).some((group) =>
      [...cyclic.transitiveMembers(group).refs]
        .filter(isGroupRef)
        .some((ref) => [...cyclic.groups.memberRefs(refIndex(ref))].includes((0x80000000 | group) >>> 0)),
    );
    expect(reachesItself).toBe(true);
  });

  it('applies an explicit layout', () => {
    const directory = build(
      {
        groupLayout: [
          { users: [3, 1, 1], groups: [1, 0] },
          { users: [2], groups: [0] },
        ],
      },
      10,
    );
    expect(directory.groups.count).toBe(2);
    expect([...directory.groups.memberRefs(0)]).toEqual([1, 3, (0x80000000 | 1) >>> 0]);
    expect(directory.transitiveMembers(1).users).toBe(3);
  });

  it('builds a directory of 1,000,000 users in typed arrays (measured, and bytes per user counted)', () => {
    const started = performance.now();
    const directory = build({ groupCount: 100, nestingDepth: 3 }, 1_000_000, 9);
    const buildMs = performance.now() - started;
    const bytesPerUser = directory.byteSize() / 1_000_000;
    const walkStarted = performance.now();
    const transitive = directory.transitiveMembers(0).users;
    const walkMs = performance.now() - walkStarted;
    console.info(
      `1M-user directory: built in ${buildMs.toFixed(0)} ms, ${bytesPerUser.toFixed(2)} B/user counted, ` +
        `${directory.groups.membershipCount()} memberships, transitive walk of the root ${walkMs.toFixed(0)} ms`,
    );
    // 6 bytes of attributes and serials, plus ~1.05 memberships of 4 bytes and the arrays' growth slack.
    expect(bytesPerUser).toBeLessThan(14);
    expect(transitive).toBe(1_000_000);
  });
});
