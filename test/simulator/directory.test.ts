import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/simulator/directory.js';
import { groupRef } from '../../src/simulator/directory-groups.js';

const MEMBER = { accountEnabled: true, userType: 'Member', hasTeams: true } as const;

function directory(users = 10, reserve = 2, groups = 3): Directory {
  const built = new Directory(users, groups, 4, users - reserve);
  for (let i = 0; i < users - reserve; i++) built.users.initialise(i, MEMBER);
  return built;
}

describe('directory', () => {
  it('gives groups ids of their own, resolvable back to their index and never taken for a user', () => {
    const built = directory();
    const id = built.groupId(2);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(built.groupIndexOf(id.toUpperCase())).toBe(2);
    expect(built.userIndexOf(id)).toBe(-1);
    expect(built.groupIndexOf(built.userId(2))).toBe(-1);
  });

  it('takes a serial only for changes that change something', () => {
    const built = directory();
    expect(built.addMember(0, 1)).toBe(true);
    expect(built.addMember(0, 1)).toBe(false);
    expect(built.addMember(0, 9)).toBe(false); // the reserve is not in the directory yet
    expect(built.addMember(0, groupRef(0))).toBe(false); // a group is not its own member
    expect(built.serial).toBe(1);
    expect(built.setEnabled(1, false)).toBe(true);
    expect(built.serial).toBeGreaterThan(1);
  });

  it('removes a deleted user from its groups, soft or for good, and not twice', () => {
    const built = directory();
    built.addMember(0, 3);
    built.addMember(2, 3);
    expect(built.deleteUser(3, false)).toBe(true);
    expect([...built.groups.memberRefs(0), ...built.groups.memberRefs(2)]).toEqual([]);
    expect(built.groups.changesSince(0, 0).at(-1)).toMatchObject({ ref: 3, added: false });
    expect(built.users.state(3)).toBe('softDeleted');
    expect(built.deleteUser(3, false)).toBe(false);
    expect(built.deleteUser(3, true)).toBe(true);
    expect(built.users.state(3)).toBe('deleted');
    expect(built.restoreUser(3)).toBe(false);
    expect(built.deleteUser(4, false) && built.restoreUser(4)).toBe(true);
    expect(built.users.exists(4)).toBe(true);
  });

  it('creates users from the reserve, in order, until it is used up', () => {
    const built = directory(10, 2);
    expect(built.reserveLeft).toBe(2);
    expect([built.createUser(MEMBER), built.createUser(MEMBER), built.createUser(MEMBER)]).toEqual([8, 9, null]);
    expect(built.users.exists(9)).toBe(true);
  });

  it('walks nested groups through a cycle, listing each user once, and recomputes after a change', () => {
    const built = directory(10, 0, 4);
    built.addMember(0, 1);
    built.addMember(0, groupRef(1));
    built.addMember(1, 2);
    built.addMember(1, 1);
    built.addMember(1, groupRef(2));
    built.addMember(2, groupRef(0)); // 0 -> 1 -> 2 -> 0
    built.addMember(2, 5);
    built.addMember(3, 7); // not reachable
    const walked = built.transitiveMembers(0);
    expect([...walked.refs.subarray(0, walked.users)]).toEqual([1, 2, 5]);
    expect([...walked.refs.subarray(walked.users)]).toEqual([groupRef(1), groupRef(2)]);
    expect(built.transitiveMembers(0)).toBe(walked);
    built.removeMember(1, groupRef(2));
    expect(built.transitiveMembers(0).users).toBe(2);
  });
});
