import { describe, expect, it } from 'vitest';
import { DirectoryGroups, groupRef, isGroupRef, refIndex } from '../../src/simulator/directory-groups.js';

describe('directory groups', () => {
  it('keep members sorted, users before nested groups, whatever the order of changes', () => {
    const groups = new DirectoryGroups(2);
    for (const ref of [9, groupRef(1), 3, 7]) groups.change(0, ref, true, 1);
    groups.seed(0, 5);
    expect([...groups.memberRefs(0)]).toEqual([3, 5, 7, 9, groupRef(1)]);
    expect(isGroupRef(groupRef(1))).toBe(true);
    expect(refIndex(groupRef(1))).toBe(1);
    expect(groups.lowerBound(0, 6)).toBe(2);
    expect(groups.change(0, 5, true, 2)).toBe(false);
    expect(groups.change(0, 5, false, 3)).toBe(true);
    expect(groups.change(0, 5, false, 4)).toBe(false);
    expect([...groups.memberRefs(0)]).toEqual([3, 7, 9, groupRef(1)]);
    expect(groups.membershipCount()).toBe(4);
  });

  it('report the net change per member after a serial, last change winning, sorted by member', () => {
    const groups = new DirectoryGroups(1);
    groups.change(0, 4, true, 1);
    groups.change(0, 2, true, 2);
    groups.change(0, 4, false, 3);
    groups.change(0, 8, true, 4);
    groups.change(0, 8, false, 5);
    groups.change(0, 8, true, 6);
    expect(groups.changesSince(0, 0)).toEqual([
      { ref: 2, added: true, serial: 2 },
      { ref: 4, added: false, serial: 3 },
      { ref: 8, added: true, serial: 6 },
    ]);
    expect(groups.changesSince(0, 3)).toEqual([{ ref: 8, added: true, serial: 6 }]);
    expect(groups.changesSince(0, 6)).toEqual([]);
    expect(groups.changed[0]).toBe(6);
  });

  it('find the groups a user is a direct member of', () => {
    const groups = new DirectoryGroups(3);
    groups.seed(0, 1);
    groups.seed(2, 1);
    groups.seed(1, 2);
    expect(groups.groupsOf(1)).toEqual([0, 2]);
    expect(() => groups.memberRefs(3)).toThrow(RangeError);
  });
});
