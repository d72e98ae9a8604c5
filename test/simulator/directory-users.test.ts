import { describe, expect, it } from 'vitest';
import { ALL_TRACKED, DirectoryUsers, TRACKED } from '../../src/simulator/directory-users.js';

const MEMBER = { accountEnabled: true, userType: 'Member', hasTeams: true } as const;

describe('directory users', () => {
  it('hold state, account, type and Teams in one byte, with a serial and a property mask: 6 bytes a user', () => {
    const users = new DirectoryUsers(1000, 1);
    users.initialise(0, MEMBER);
    users.initialise(1, { accountEnabled: false, userType: 'Guest', hasTeams: false });
    expect(users.attributes(0)).toEqual({ state: 'active', accountEnabled: true, userType: 'Member', hasTeams: true });
    expect(users.attributes(1)).toEqual({ state: 'active', accountEnabled: false, userType: 'Guest', hasTeams: false });
    expect(users.attributes(2).state).toBe('absent');
    expect(users.exists(2)).toBe(false);
    expect(users.byteSize()).toBe(6000);
  });

  it('moves through states, and a no-op change takes no serial', () => {
    const users = new DirectoryUsers(4, 1);
    users.initialise(0, MEMBER);
    expect(users.setState(0, 'active', 5)).toBe(false);
    expect(users.changed[0]).toBe(0);
    expect(users.setState(0, 'softDeleted', 6)).toBe(true);
    expect(users.exists(0)).toBe(false);
    expect(users.setState(0, 'deleted', 7)).toBe(true);
    expect([users.state(0), users.changed[0]]).toEqual(['deleted', 7]);
    users.create(3, MEMBER, 8);
    expect([users.state(3), users.changed[3]]).toEqual(['active', 8]);
  });

  it('shows a user to a round that selected a changed property or tracks everything, never misses one', () => {
    const users = new DirectoryUsers(3, 1);
    users.initialise(0, MEMBER);
    users.initialise(1, MEMBER);
    users.rename(0, 'New Name', 10);
    users.setEnabled(1, false, 11);
    const accountOnly = TRACKED.accountEnabled;
    expect(users.changedSince(0, 9, accountOnly)).toBe(false);
    expect(users.changedSince(0, 9, TRACKED.displayName)).toBe(true);
    expect(users.changedSince(0, 9, ALL_TRACKED)).toBe(true);
    expect(users.changedSince(1, 9, accountOnly)).toBe(true);
    expect(users.changedSince(1, 11, accountOnly)).toBe(false);
    // Accumulated: after a later account change, the earlier rename is replayed to a displayName round (allowed).
    users.setEnabled(0, false, 12);
    expect(users.changedSince(0, 11, TRACKED.displayName)).toBe(true);
    expect(users.names(0).displayName).toBe('New Name');
    // Existence is always tracked, whatever was selected.
    users.setState(1, 'softDeleted', 13);
    expect(users.changedSince(1, 12, 0)).toBe(true);
  });
});
