import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { page, postPresences, startHarness, tokenFor, type Harness } from './helpers.js';

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('sim.directory', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({
      userCount: 100,
      directory: { initialUsers: 95, groupLayout: [{ users: [0, 1, 2] }, { users: [3], groups: [0] }] },
    });
  });
  afterAll(() => harness.close());

  it('describes users and groups by index or id', () => {
    const directory = harness.sim.directory;
    const user = directory.user(1);
    expect(user).toMatchObject({ index: 1, state: 'active', id: harness.sim.userIdAt(1) });
    expect(directory.user(user.id.toUpperCase()).index).toBe(1);
    expect(directory.user(97).state).toBe('absent');
    expect(directory.groupCount).toBe(2);
    expect(directory.groupIds()).toEqual([directory.groupIdAt(0), directory.groupIdAt(1)]);
    expect(directory.groupDisplayName(directory.groupIdAt(1))).toBe('Engineering');
    expect(directory.directMembers(1)).toEqual({
      users: [harness.sim.userIdAt(3)],
      groups: [directory.groupIdAt(0)],
    });
    expect(directory.transitiveUserIds(directory.groupIdAt(1))).toEqual(
      [0, 1, 2, 3].map((i) => harness.sim.userIdAt(i)),
    );
    expect(directory.userIds()).toHaveLength(95);
    expect(directory.reserveLeft()).toBe(5);
  });

  it('filters the users a connector would watch: enabled members', () => {
    const directory = harness.sim.directory;
    directory.disableUsers([5]);
    const watched = directory.userIds({ enabledOnly: true, membersOnly: true });
    expect(watched).not.toContain(harness.sim.userIdAt(5));
    expect(watched.every((id) => directory.user(id).userType === 'Member' && directory.user(id).accountEnabled)).toBe(
      true,
    );
    directory.enableUsers([5]);
  });

  it('adds and removes members (users by index or id, groups by id), counting only real changes', () => {
    const directory = harness.sim.directory;
    expect(directory.addMembers(0, [10, harness.sim.userIdAt(11), 10])).toBe(2);
    expect(directory.removeMembers(0, [10, 10])).toBe(1);
    expect(directory.addMembers(directory.groupIdAt(0), [directory.groupIdAt(1)])).toBe(1);
    expect(directory.removeMembers(0, [directory.groupIdAt(1), harness.sim.userIdAt(11)])).toBe(2);
  });

  it('adds users from the reserve into groups, and refuses more than the reserve holds', () => {
    const directory = harness.sim.directory;
    const [id] = directory.addUsers(1, { userType: 'Guest', accountEnabled: false, groups: [1] });
    expect(directory.user(id ?? '')).toMatchObject({ state: 'active', userType: 'Guest', accountEnabled: false });
    expect(directory.directMembers(1).users).toContain(id);
    expect(
      isConnectorError(
        caught(() => directory.addUsers(5)),
        ErrorCodes.SIMULATOR_INVALID_OPTIONS,
      ),
    ).toBe(true);
    expect(directory.reserveLeft()).toBe(4);
  });

  it('refuses unknown users and groups, members that do not exist, and invalid faults', () => {
    const directory = harness.sim.directory;
    for (const action of [
      () => directory.user('not-a-user'),
      () => directory.user(100),
      () => directory.groupIdAt(2),
      () => directory.addMembers(0, ['0a0b0c0d-1111-4222-8333-444455556666']),
      () => directory.addMembers(0, [99]),
      () => directory.setFaults({ emptyPageShare: 3 }),
    ]) {
      expect(isConnectorError(caught(action), ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    }
    expect(directory.faults().emptyPageShare).toBe(0);
  });

  it('deletes and restores users; Graph has no presence for a deleted or not yet created user', async () => {
    const directory = harness.sim.directory;
    const token = await tokenFor(harness);
    const ids = [harness.sim.userIdAt(40), harness.sim.userIdAt(41), harness.sim.userIdAt(98)];
    directory.deleteUsers([40]);
    directory.deleteUsers([41], { permanently: true });
    expect([directory.user(40).state, directory.user(41).state]).toEqual(['softDeleted', 'deleted']);
    expect(page(await postPresences(harness, token, { ids })).value).toEqual([]);
    directory.restoreUsers([40, 41]);
    expect([directory.user(40).state, directory.user(41).state]).toEqual(['active', 'deleted']);
    expect(page(await postPresences(harness, token, { ids })).value.map((p) => p.id)).toEqual([ids[0]]);
    expect(directory.byteSize()).toBeGreaterThanOrEqual(600);
  });
});
