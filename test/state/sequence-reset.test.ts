import { describe, expect, it } from 'vitest';
import type { Presence } from '../../src/graph/index.js';
import {
  dedupBatch,
  isSequenceReset,
  PresenceStateStore,
  SEQUENCE_RESET_AGE_MS,
  SEQUENCE_RESET_POLLS,
  stateOf,
  type BatchDedup,
  type StoredPresenceState,
} from '../../src/state/index.js';

const alice = '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11';
const bob = '0f1e2d3c-4b5a-4968-8776-655443322110';
const MINUTE = 60_000;

function presence(sequenceNumber: string, availability = 'Available', id = alice): Presence {
  return {
    id,
    availability,
    activity: availability,
    statusMessage: null,
    outOfOffice: { isOutOfOffice: false, message: null },
    workLocation: null,
    sequenceNumber,
  };
}

/** One batch as the pipeline delivers it: dedup, stale counts at once, states once "Kafka acknowledged". */
function poll(store: PresenceStateStore, presences: Presence[], at: number, acknowledged = true): BatchDedup {
  const dedup = dedupBatch(presences, store, at);
  store.setStaleStreaks(dedup.staleStreaks);
  if (acknowledged) for (const [userId, state] of dedup.nextStates) store.commit(userId, state);
  return dedup;
}

/** A store holding alice at C0000000010 (Available), published at 0. */
function published(): PresenceStateStore {
  const store = new PresenceStateStore([alice, bob]);
  poll(store, [presence('C0000000010')], 0);
  return store;
}

describe('sequence numbers that go backwards', () => {
  it('pins the rule: 3 polls in a row and a stored state 5 minutes old', () => {
    expect(SEQUENCE_RESET_POLLS).toBe(3);
    expect(SEQUENCE_RESET_AGE_MS).toBe(5 * MINUTE);
    const previous = stateOf(presence('C0000000010'), 0);
    expect(isSequenceReset(previous, presence('C1', 'Busy'), 3, 5 * MINUTE)).toBe(true);
    expect(isSequenceReset(previous, presence('C1', 'Busy'), 2, 5 * MINUTE)).toBe(false);
    expect(isSequenceReset(previous, presence('C1', 'Busy'), 3, 5 * MINUTE - 1)).toBe(false);
    expect(isSequenceReset(previous, presence('C1'), 255, 60 * MINUTE)).toBe(false);
  });

  it('drops a transient stale read (a lagging replica) as before: no reset, and a current read starts the count again', () => {
    const store = published();
    const verdicts: string[] = [];
    const stamps = ['C0000000009', 'C0000000009', 'C0000000010', 'C0000000009', 'C0000000008', 'C0000000011'];
    stamps.forEach((stamp, i) => {
      const dedup = poll(store, [presence(stamp, 'Busy')], (10 + i) * MINUTE);
      expect(dedup.resets).toEqual([]);
      verdicts.push(Object.entries(dedup.counts).find(([, count]) => count > 0)?.[0] ?? '');
      if (i === 1) expect(store.staleStreak(alice)).toBe(2);
      if (i === 2) expect(store.staleStreak(alice)).toBe(0);
    });
    expect(verdicts).toEqual(['stale', 'stale', 'duplicate', 'stale', 'stale', 'change']);
    expect(store.get(alice)?.sequenceNumber).toBe('C0000000011');
    expect(store.staleStreak(alice)).toBe(0);
  });

  it('keeps dropping a lower stamp within 5 minutes of the publication, however many polls', () => {
    const store = published();
    for (let second = 10; second < 300; second += 10) {
      const dedup = poll(store, [presence('C0000000002', 'Busy')], second * 1000);
      expect(dedup.counts.stale).toBe(1);
      expect(dedup.resets).toEqual([]);
    }
    expect(store.staleStreak(alice)).toBe(29);
    // Five minutes on, the next poll is the reset.
    expect(poll(store, [presence('C0000000002', 'Busy')], 5 * MINUTE).resets).toHaveLength(1);
  });

  it('accepts stamps that stay lower with a different presence as exactly one change, then dedups on the new stamps', () => {
    const store = published();
    const stored = store.get(alice);
    expect(poll(store, [presence('C0000000002', 'Busy')], 6 * MINUTE).counts.stale).toBe(1);
    expect(poll(store, [presence('C0000000002', 'Busy')], 7 * MINUTE).counts.stale).toBe(1);
    const reset = poll(store, [presence('C0000000002', 'Busy')], 8 * MINUTE);
    expect(reset.counts).toEqual({ snapshot: 0, change: 1, duplicate: 0, stale: 0 });
    expect(reset.accepted).toEqual([{ presence: presence('C0000000002', 'Busy'), previous: stored }]);
    expect(reset.resets).toEqual([{ userId: alice, previous: 'C0000000010', current: 'C0000000002' }]);
    expect(store.get(alice)).toEqual(stateOf(presence('C0000000002', 'Busy'), 8 * MINUTE));
    expect(store.staleStreak(alice)).toBe(0);

    const next = [
      poll(store, [presence('C0000000002', 'Busy')], 9 * MINUTE),
      poll(store, [presence('C0000000003', 'Away')], 10 * MINUTE),
      poll(store, [presence('C0000000002', 'Busy')], 11 * MINUTE),
    ];
    expect(next.map((dedup) => dedup.counts)).toEqual([
      { snapshot: 0, change: 0, duplicate: 1, stale: 0 },
      { snapshot: 0, change: 1, duplicate: 0, stale: 0 },
      { snapshot: 0, change: 0, duplicate: 0, stale: 1 },
    ]);
    expect(next.flatMap((dedup) => dedup.resets)).toEqual([]);
  });

  it('finds the reset again next poll when its publication failed, and only the acknowledged one moves the state', () => {
    const store = published();
    for (const minute of [6, 7]) poll(store, [presence('C0000000002', 'Busy')], minute * MINUTE);
    expect(poll(store, [presence('C0000000002', 'Busy')], 8 * MINUTE, false).resets).toHaveLength(1);
    expect(store.get(alice)?.sequenceNumber).toBe('C0000000010');
    expect(poll(store, [presence('C0000000002', 'Busy')], 9 * MINUTE).resets).toHaveLength(1);
    expect(poll(store, [presence('C0000000002', 'Busy')], 10 * MINUTE).counts.duplicate).toBe(1);
  });

  it('drops a lower stamp with the same presence (nothing to publish); the first different presence is the reset', () => {
    const store = published();
    for (let minute = 6; minute < 306; minute++) {
      const dedup = poll(store, [presence('C0000000002')], minute * MINUTE);
      expect(dedup.counts.stale).toBe(1);
      expect(dedup.resets).toEqual([]);
    }
    expect(store.staleStreak(alice)).toBe(255);
    const changed = poll(store, [presence('C0000000003', 'Busy')], 306 * MINUTE);
    expect(changed.counts.change).toBe(1);
    expect(changed.resets).toEqual([{ userId: alice, previous: 'C0000000010', current: 'C0000000003' }]);
    expect(poll(store, [presence('C0000000003', 'Busy')], 307 * MINUTE).counts.duplicate).toBe(1);
  });

  it('counts a user repeated in one response as one poll, and users apart', () => {
    const store = published();
    poll(store, [presence('C0000000010', 'Available', bob)], 0);
    poll(store, [presence('C0000000002', 'Busy'), presence('C0000000003', 'Busy')], 6 * MINUTE);
    expect(store.staleStreak(alice)).toBe(1);
    expect(store.staleStreak(bob)).toBe(0);
  });

  it('never resets against a store that keeps no stale counts', () => {
    const stored = stateOf(presence('C0000000010'), 0);
    for (let minute = 6; minute < 12; minute++) {
      const noCounts = {
        read: (_userId: string, into: StoredPresenceState) => {
          Object.assign(into, stored, { staleStreak: 0, onTable: true });
          return true;
        },
      };
      const dedup = dedupBatch([presence('C0000000002', 'Busy')], noCounts, minute * MINUTE);
      expect(dedup.counts.stale).toBe(1);
      expect(dedup.resets).toEqual([]);
    }
  });
});

describe('PresenceStateStore stale counts', () => {
  it('keeps them for users with a state only, and clears them on commit and delete', () => {
    const store = new PresenceStateStore([alice]);
    store.setStaleStreaks(new Map([[alice, 2]]));
    expect(store.staleStreak(alice)).toBe(0);
    store.commit(alice, stateOf(presence('C0000000010'), 0));
    store.setStaleStreaks(new Map([[alice, 2]]));
    expect(store.staleStreak(alice)).toBe(2);
    store.commit(alice, stateOf(presence('C0000000011'), 0));
    expect(store.staleStreak(alice)).toBe(0);
    store.setStaleStreaks(new Map([[alice, 7]]));
    store.delete(alice);
    expect(store.staleStreak(alice)).toBe(0);
    expect(store.staleStreak('unknown')).toBe(0);
  });

  // Memory is measured in the bench (state-memory), not here: a measurement in a test runs beside other tests.
  it('survives growth', () => {
    const store = new PresenceStateStore();
    store.commit('user-0', stateOf(presence('C1'), 0));
    store.setStaleStreaks(new Map([['user-0', 3]]));
    for (let i = 1; i < 100; i++) store.commit(`user-${i}`, stateOf(presence('C1'), 0));
    expect(store.staleStreak('user-0')).toBe(3);
  });
});
