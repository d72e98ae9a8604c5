import { describe, expect, it } from 'vitest';
import { PresenceStateStore, type StoredPresenceState, type UserPresenceState } from '../../src/state/index.js';

const state = (
  sequenceNumber: string | null,
  availability = 'Available',
  activity = 'Available',
): UserPresenceState => ({
  sequenceNumber,
  availability,
  activity,
  observedAt: 1_700_000_000_123,
  fieldsHash: 2 ** 52 + 17,
});

describe('PresenceStateStore', () => {
  it('returns exactly what was committed, per user', () => {
    const store = new PresenceStateStore(['a', 'b']);
    expect(store.get('a')).toBeUndefined();
    store.commit('a', state('C1', 'Busy', 'InACall'));
    store.commit('b', state(null, 'Focusing', 'UrgentInterruptionsOnly'));
    expect(store.get('a')).toEqual(state('C1', 'Busy', 'InACall'));
    expect(store.get('b')).toEqual(state(null, 'Focusing', 'UrgentInterruptionsOnly'));
    store.commit('a', state('C2', 'Away', 'Away'));
    expect(store.get('a')).toEqual(state('C2', 'Away', 'Away'));
    expect(store.size).toBe(2);
  });

  it('grows past its initial capacity for users it was not told about', () => {
    const store = new PresenceStateStore();
    for (let i = 0; i < 1_000; i++) store.commit(`user-${i}`, state(`A${i}`));
    expect(store.size).toBe(1_000);
    expect(store.get('user-999')).toEqual(state('A999'));
    expect(store.get('user-0')).toEqual(state('A0'));
  });

  it('forgets deleted users and counts only users with a state', () => {
    const store = new PresenceStateStore(['a', 'b', 'c']);
    store.commit('a', state('1'));
    store.commit('b', state('2'));
    store.deleteAll(['a', 'c']);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toEqual(state('2'));
    expect(store.size).toBe(1);
    store.commit('a', state('3'));
    expect(store.size).toBe(2);
  });

  it('remembers per user whether its state is on the table, and forgets it with the state', () => {
    const store = new PresenceStateStore(['a', 'b']);
    store.commit('a', state('1'), true);
    store.commit('b', state('2'));
    expect([store.isOnTable('a'), store.isOnTable('b'), store.isOnTable('unknown')]).toEqual([true, false, false]);
    expect(store.get('a')).toEqual(state('1'));
    store.commit('a', state('3'));
    expect(store.isOnTable('a')).toBe(false);
    store.commit('b', state('4'), true);
    store.delete('b');
    expect(store.isOnTable('b')).toBe(false);
    expect(store.size).toBe(1);
  });

  it('reads a state with its stale count and table flag into the object given, or says there is none', () => {
    const store = new PresenceStateStore(['a', 'b']);
    const into: StoredPresenceState = { ...state('old', 'x', 'y'), staleStreak: 9, onTable: true };
    const untouched = { ...into };
    expect(store.read('a', into)).toBe(false);
    expect(store.read('unknown', into)).toBe(false);
    expect(into).toEqual(untouched);
    store.commit('a', state('C1', 'Busy', 'InACall'), true);
    store.setStaleStreaks(new Map([['a', 2]]));
    expect(store.read('a', into)).toBe(true);
    expect(into).toEqual({ ...state('C1', 'Busy', 'InACall'), staleStreak: 2, onTable: true });
    store.commit('b', state(null, 'Away', 'Away'));
    expect(store.read('b', into)).toBe(true);
    expect(into).toEqual({ ...state(null, 'Away', 'Away'), staleStreak: 0, onTable: false });
    store.delete('a');
    expect(store.read('a', into)).toBe(false);
  });

  it('knows the users of the config, with a state or not', () => {
    const store = new PresenceStateStore(['a']);
    expect(store.knows('a')).toBe(true);
    expect(store.knows('z')).toBe(false);
    store.commit('z', state('1'));
    expect(store.knows('z')).toBe(true);
  });
});
