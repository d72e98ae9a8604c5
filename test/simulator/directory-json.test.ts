import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/simulator/directory.js';
import { groupRef } from '../../src/simulator/directory-groups.js';
import {
  groupDisplayName,
  groupObject,
  memberEntry,
  parseGroupSelect,
  parseUserSelect,
  removedUser,
  trackedMask,
  userObject,
} from '../../src/simulator/directory-json.js';
import { ALL_TRACKED, TRACKED } from '../../src/simulator/directory-users.js';

function directory(): Directory {
  const built = new Directory(4, 2, 1, 4);
  built.users.initialise(0, { accountEnabled: false, userType: 'Guest', hasTeams: false });
  built.users.initialise(1, { accountEnabled: true, userType: 'Member', hasTeams: true });
  return built;
}

describe('directory JSON', () => {
  it('parses $select case-insensitively into the canonical names, and names an unknown property', () => {
    const select = parseUserSelect('ID, AccountEnabled,userType,id');
    expect(select).toEqual({
      ok: true,
      properties: ['id', 'accountEnabled', 'userType'],
      given: 'ID, AccountEnabled,userType,id',
    });
    expect(parseUserSelect('id,skills')).toEqual({
      ok: false,
      message: "Could not find a property named 'skills' on type 'microsoft.graph.user'.",
    });
    expect(parseGroupSelect('members')).toMatchObject({ ok: true, properties: ['members'] });
  });

  it("serves Graph's default properties without $select, and id always", () => {
    const built = directory();
    const select = parseUserSelect(null);
    if (!select.ok) throw new Error('unreachable');
    expect(Object.keys(userObject(built, 1, select.properties))).toEqual([
      'businessPhones',
      'displayName',
      'givenName',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
      'id',
    ]);
    expect(userObject(built, 0, ['accountEnabled', 'userType'])).toEqual({
      accountEnabled: false,
      userType: 'Guest',
      id: built.userId(0),
    });
  });

  it('lists the Teams service plan only for users with Teams', () => {
    const built = directory();
    const plans = (index: number): unknown[] =>
      (userObject(built, index, ['assignedPlans']) as { assignedPlans: { service: string }[] }).assignedPlans.map(
        (plan) => plan.service,
      );
    expect(plans(1)).toEqual(['exchange', 'TeamspaceAPI']);
    expect(plans(0)).toEqual(['exchange']);
  });

  it('tracks only the selected properties, everything without $select', () => {
    const mask = (raw: string | null): number => {
      const select = parseUserSelect(raw);
      return select.ok ? trackedMask(select) : -1;
    };
    expect(mask(null)).toBe(ALL_TRACKED);
    expect(mask('id')).toBe(0);
    expect(mask('id,accountEnabled,displayName')).toBe(TRACKED.accountEnabled | TRACKED.displayName);
  });

  it('writes removed users and members as Graph documents them', () => {
    const built = directory();
    built.deleteUser(0, false);
    built.deleteUser(1, true);
    expect(removedUser(built, 0)).toEqual({ id: built.userId(0), '@removed': { reason: 'changed' } });
    expect(removedUser(built, 1)).toEqual({ id: built.userId(1), '@removed': { reason: 'deleted' } });
    expect(memberEntry(built, 1, true)).toEqual({
      '@odata.type': '#microsoft.graph.user',
      id: built.userId(1),
      '@removed': { reason: 'deleted' },
    });
    expect(memberEntry(built, groupRef(1), false)).toEqual({
      '@odata.type': '#microsoft.graph.group',
      id: built.groupId(1),
    });
  });

  it('names groups and serialises their selected properties', () => {
    const built = directory();
    expect([groupDisplayName(0), groupDisplayName(10), groupDisplayName(23)]).toEqual([
      'Staff',
      'Staff 2',
      'Marketing 3',
    ]);
    expect(groupObject(built, 1, ['displayName', 'members'])).toEqual({
      displayName: 'Engineering',
      id: built.groupId(1),
    });
  });
});
