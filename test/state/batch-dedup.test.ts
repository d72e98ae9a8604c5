import { describe, expect, it } from 'vitest';
import type { Presence } from '../../src/graph/index.js';
import {
  dedupBatch,
  resnapshotDue,
  stateOf,
  type AcknowledgedStates,
  type ResnapshotPolicy,
  type UserPresenceState,
} from '../../src/state/index.js';

const alice = '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11';
const bob = '0f1e2d3c-4b5a-4968-8776-655443322110';
const carol = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

function presence(id: string, overrides: Partial<Presence> = {}): Presence {
  return {
    id,
    availability: 'Available',
    activity: 'Available',
    statusMessage: null,
    outOfOffice: { isOutOfOffice: false, message: null },
    workLocation: null,
    sequenceNumber: 'C0000000005',
    ...overrides,
  };
}

/** A store that records every call made on it; only `read` exists, anything else would be a TypeError. */
function recordingStore(states: Record<string, UserPresenceState> = {}) {
  const reads: string[] = [];
  const calls: string[] = [];
  const target: AcknowledgedStates = {
    read(userId, into) {
      reads.push(userId);
      const state = states[userId];
      if (state === undefined) return false;
      Object.assign(into, state, { staleStreak: 0, onTable: true });
      return true;
    },
  };
  const store = new Proxy(target, {
    get(object, property, receiver) {
      calls.push(String(property));
      return Reflect.get(object, property, receiver) as unknown;
    },
    set(_object, property) {
      calls.push(`set ${String(property)}`);
      return false;
    },
  });
  return { store, reads, calls };
}

describe('dedupBatch', () => {
  it('accepts a user seen for the first time as a snapshot with no previous state', () => {
    const { store } = recordingStore();
    const first = presence(alice);
    const result = dedupBatch([first], store, 1_000);
    expect(result.counts).toEqual({ snapshot: 1, change: 0, duplicate: 0, stale: 0 });
    expect(result.accepted).toEqual([{ presence: first, previous: undefined }]);
    expect(result.nextStates).toEqual(new Map([[alice, stateOf(first, 1_000)]]));
  });

  it('accepts a later sequenceNumber as a change against the acknowledged state', () => {
    const acknowledged = stateOf(presence(alice, { sequenceNumber: 'C0000000004' }), 500);
    const { store } = recordingStore({ [alice]: acknowledged });
    const next = presence(alice, { availability: 'Busy', activity: 'InACall' });
    const result = dedupBatch([next], store, 1_000);
    expect(result.counts).toEqual({ snapshot: 0, change: 1, duplicate: 0, stale: 0 });
    expect(result.accepted).toEqual([{ presence: next, previous: acknowledged }]);
    expect(result.nextStates.get(alice)).toEqual(stateOf(next, 1_000));
    expect(result.nextStates.get(alice)?.observedAt).toBe(1_000);
  });

  it('drops the same sequenceNumber as a duplicate and an earlier one as stale, without a next state', () => {
    const acknowledged = stateOf(presence(alice), 500);
    const { store } = recordingStore({ [alice]: acknowledged, [bob]: stateOf(presence(bob), 500) });
    const result = dedupBatch(
      [presence(alice, { availability: 'Busy' }), presence(bob, { sequenceNumber: 'C0000000004' })],
      store,
      1_000,
    );
    expect(result.counts).toEqual({ snapshot: 0, change: 0, duplicate: 1, stale: 1 });
    expect(result.accepted).toEqual([]);
    expect(result.nextStates.size).toBe(0);
  });

  it('counts each verdict across a mixed batch and keeps the accepted ones in response order', () => {
    const dave = 'd0d0d0d0-0000-4000-8000-000000000004';
    const { store } = recordingStore({
      [alice]: stateOf(presence(alice, { sequenceNumber: 'C0000000001' }), 1),
      [bob]: stateOf(presence(bob), 1),
      [dave]: stateOf(presence(dave, { sequenceNumber: 'C0000000009' }), 1),
    });
    const batch = [presence(carol), presence(alice), presence(bob), presence(dave), presence('e-new')];
    const result = dedupBatch(batch, store, 2);
    expect(result.counts).toEqual({ snapshot: 2, change: 1, duplicate: 1, stale: 1 });
    expect(result.accepted.map((entry) => entry.presence.id)).toEqual([carol, alice, 'e-new']);
    expect([...result.nextStates.keys()]).toEqual([carol, alice, 'e-new']);
  });

  it('compares a user repeated with the same sequenceNumber against the earlier entry: 1 snapshot + 1 duplicate', () => {
    const { store } = recordingStore();
    const first = presence(alice);
    const result = dedupBatch([first, presence(alice, { availability: 'Busy' })], store, 1_000);
    expect(result.counts).toEqual({ snapshot: 1, change: 0, duplicate: 1, stale: 0 });
    expect(result.accepted).toEqual([{ presence: first, previous: undefined }]);
    expect(result.nextStates).toEqual(new Map([[alice, stateOf(first, 1_000)]]));
  });

  it('compares a user repeated with increasing sequenceNumbers against the earlier entry: snapshot + change', () => {
    const { store } = recordingStore();
    const first = presence(alice, { sequenceNumber: 'C0000000005' });
    const second = presence(alice, { sequenceNumber: 'C0000000006', availability: 'Busy', activity: 'InACall' });
    const result = dedupBatch([first, second], store, 1_000);
    expect(result.counts).toEqual({ snapshot: 1, change: 1, duplicate: 0, stale: 0 });
    expect(result.accepted).toEqual([
      { presence: first, previous: undefined },
      { presence: second, previous: stateOf(first, 1_000) },
    ]);
    // One entry per user: the last accepted one.
    expect(result.nextStates.size).toBe(1);
    expect(result.nextStates.get(alice)).toEqual(stateOf(second, 1_000));
  });

  it('compares a repeat against the earlier entry even when the store holds something else', () => {
    // The store is behind (C4); the first entry (C6) is a change; the repeat C5 is stale against C6, not a change.
    const { store } = recordingStore({ [alice]: stateOf(presence(alice, { sequenceNumber: 'C0000000004' }), 1) });
    const result = dedupBatch(
      [presence(alice, { sequenceNumber: 'C0000000006' }), presence(alice, { sequenceNumber: 'C0000000005' })],
      store,
      2,
    );
    expect(result.counts).toEqual({ snapshot: 0, change: 1, duplicate: 0, stale: 1 });
    expect(result.nextStates.get(alice)?.sequenceNumber).toBe('C0000000006');
  });

  it('falls back to the presence fields when sequenceNumber is null', () => {
    const withoutSequence = presence(alice, { sequenceNumber: null });
    const { store } = recordingStore({ [alice]: stateOf(withoutSequence, 1) });
    const same = dedupBatch([{ ...withoutSequence, availability: 'available' }], store, 2);
    expect(same.counts).toEqual({ snapshot: 0, change: 0, duplicate: 1, stale: 0 });
    const changed = { ...withoutSequence, availability: 'Busy' };
    const different = dedupBatch([changed], store, 2);
    expect(different.counts).toEqual({ snapshot: 0, change: 1, duplicate: 0, stale: 0 });
    expect(different.nextStates.get(alice)).toEqual(stateOf(changed, 2));
    expect(different.nextStates.get(alice)?.sequenceNumber).toBeNull();
    // Within one response too: the repeat with equal fields is a duplicate of the earlier entry.
    const { store: empty } = recordingStore();
    const repeated = dedupBatch([withoutSequence, { ...withoutSequence }], empty, 3);
    expect(repeated.counts).toEqual({ snapshot: 1, change: 0, duplicate: 1, stale: 0 });
  });

  it('only reads the store: one read per user not already decided in the batch', () => {
    const before = stateOf(presence(bob, { sequenceNumber: 'C0000000001' }), 1);
    const states = { [bob]: before };
    const { store, reads, calls } = recordingStore(states);
    const result = dedupBatch(
      [presence(alice), presence(bob), presence(alice, { sequenceNumber: 'C0000000007' }), presence(carol)],
      store,
      2,
    );
    expect(result.counts).toEqual({ snapshot: 2, change: 2, duplicate: 0, stale: 0 });
    expect(reads).toEqual([alice, bob, carol]);
    expect(calls).toEqual(['read', 'read', 'read']);
    // The acknowledged state object is untouched.
    expect(states[bob]).toBe(before);
    expect(before).toEqual(stateOf(presence(bob, { sequenceNumber: 'C0000000001' }), 1));
  });

  it('returns empty results for an empty batch without reading the store', () => {
    const { store, calls } = recordingStore();
    const result = dedupBatch([], store, 1);
    expect(result).toEqual({
      observedAt: 1,
      counts: { snapshot: 0, change: 0, duplicate: 0, stale: 0 },
      accepted: [],
      nextStates: new Map(),
      staleStreaks: new Map(),
      resets: [],
    });
    expect(calls).toEqual([]);
  });
});

describe('dedupBatch with a re-snapshot policy', () => {
  const HOUR = 3_600_000;
  const INTERVAL = 24 * HOUR;
  // Their phases in the interval (a hash of the id): alice's boundaries fall at 8.8 % of it, carol's at 81.1 %.
  const alicePhase = 0.0878 * INTERVAL;
  const carolPhase = 0.8106 * INTERVAL;
  const periodic = (at: number, maxPerBatch = Number.POSITIVE_INFINITY): ResnapshotPolicy => ({
    mustRepublish: () => false,
    isDue: (userId, previous) => resnapshotDue(userId, previous, at, INTERVAL),
    maxPerBatch,
  });

  it('accepts a duplicate that is due as a snapshot, without previous, with the new observedAt', () => {
    const published = stateOf(presence(alice), 1_000);
    const { store } = recordingStore({ [alice]: published });
    const again = presence(alice);
    const at = 1_000 + INTERVAL;
    const result = dedupBatch([again], store, at, periodic(at));
    expect(result.counts).toEqual({ snapshot: 1, change: 0, duplicate: 0, stale: 0 });
    expect(result.accepted).toEqual([{ presence: again, previous: undefined }]);
    expect(result.nextStates).toEqual(new Map([[alice, stateOf(again, at)]]));
  });

  it('keeps a duplicate not yet due a duplicate, and every duplicate without a policy', () => {
    const { store } = recordingStore({ [alice]: stateOf(presence(alice), 0) });
    const before = alicePhase - HOUR / 60;
    const notYet = dedupBatch([presence(alice)], store, before, periodic(before));
    expect(notYet.counts).toEqual({ snapshot: 0, change: 0, duplicate: 1, stale: 0 });
    expect(notYet.nextStates.size).toBe(0);
    const off = dedupBatch([presence(alice)], store, 100 * INTERVAL);
    expect(off.counts).toEqual({ snapshot: 0, change: 0, duplicate: 1, stale: 0 });
  });

  it('spreads users published together over the interval, each at its own phase', () => {
    const { store } = recordingStore({ [alice]: stateOf(presence(alice), 0), [carol]: stateOf(presence(carol), 0) });
    const batch = [presence(alice), presence(carol)];
    const due = (at: number) => dedupBatch(batch, store, at, periodic(at)).accepted.map((entry) => entry.presence.id);
    expect(due(alicePhase - HOUR / 60)).toEqual([]);
    expect(due(alicePhase + HOUR / 60)).toEqual([alice]);
    expect(due(carolPhase - HOUR / 60)).toEqual([alice]);
    expect(due(carolPhase + HOUR / 60)).toEqual([alice, carol]);
  });

  it('re-publishes every user it must (a table to fill) whatever the cap, and no more than the cap of the due', () => {
    const { store } = recordingStore({
      [alice]: stateOf(presence(alice), 0),
      [bob]: stateOf(presence(bob), 0),
      [carol]: stateOf(presence(carol), 0),
    });
    const at = 3 * INTERVAL;
    const policy: ResnapshotPolicy = { ...periodic(at, 1), mustRepublish: (userId) => userId !== carol };
    const result = dedupBatch([presence(alice), presence(bob), presence(carol)], store, at, policy);
    expect(result.counts).toEqual({ snapshot: 3, change: 0, duplicate: 0, stale: 0 });
    const capped = dedupBatch([presence(alice), presence(bob), presence(carol)], store, at, {
      ...periodic(at, 1),
      mustRepublish: (userId) => userId === alice,
    });
    expect(capped.accepted.map((entry) => entry.presence.id)).toEqual([alice, bob]);
  });

  it('re-publishes at most maxPerBatch users of a batch; the others stay due for a later cycle', () => {
    const { store } = recordingStore({
      [alice]: stateOf(presence(alice), 0),
      [bob]: stateOf(presence(bob), 0),
      [carol]: stateOf(presence(carol), 0),
    });
    const at = 3 * INTERVAL;
    const result = dedupBatch([presence(alice), presence(bob), presence(carol)], store, at, periodic(at, 2));
    expect(result.counts).toEqual({ snapshot: 2, change: 0, duplicate: 1, stale: 0 });
    expect(result.accepted.map((entry) => entry.presence.id)).toEqual([alice, bob]);
  });

  it('never turns a change or a stale presence into a snapshot', () => {
    const aliceBefore = stateOf(presence(alice, { sequenceNumber: 'C0000000004' }), 0);
    const { store } = recordingStore({
      [alice]: aliceBefore,
      [bob]: stateOf(presence(bob, { sequenceNumber: 'C0000000009' }), 0),
    });
    const changed = presence(alice, { availability: 'Busy' });
    const everything: ResnapshotPolicy = { mustRepublish: () => true, isDue: () => true, maxPerBatch: 0 };
    const result = dedupBatch([changed, presence(bob)], store, 10 * INTERVAL, everything);
    expect(result.counts).toEqual({ snapshot: 0, change: 1, duplicate: 0, stale: 1 });
    expect(result.accepted).toEqual([{ presence: changed, previous: aliceBefore }]);
    expect([...result.nextStates.keys()]).toEqual([alice]);
  });

  it('re-publishes a user repeated in one response once: the repeat is a duplicate of the re-snapshot', () => {
    const { store } = recordingStore({ [alice]: stateOf(presence(alice), 0) });
    const everything: ResnapshotPolicy = { mustRepublish: () => true, isDue: () => true, maxPerBatch: 0 };
    const result = dedupBatch([presence(alice), presence(alice)], store, INTERVAL, everything);
    expect(result.counts).toEqual({ snapshot: 1, change: 0, duplicate: 1, stale: 0 });
    expect(result.accepted).toHaveLength(1);
  });
});

describe('resnapshotDue', () => {
  const INTERVAL = 1_000_000;
  const ids = Array.from({ length: 200 }, (_, index) => `user-${index}`);
  const dueAt = (elapsed: number) =>
    ids.filter((id) => resnapshotDue(id, stateOf(presence(id), 5_000), 5_000 + elapsed, INTERVAL)).length;

  it('is due for every user within one interval of its publication, and for more users the longer it was', () => {
    const counts = [0.01, 0.25, 0.5, 0.75, 1].map((share) => dueAt(share * INTERVAL));
    expect(counts[0]).toBeLessThan(10);
    expect(counts[2]).toBeGreaterThan(60);
    expect(counts[2]).toBeLessThan(140);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1] ?? 0);
    expect(counts[4]).toBe(ids.length);
  });

  it('comes due once per interval: re-published at its due time, a user is next due one interval later', () => {
    for (const id of ids.slice(0, 20)) {
      let dueAtTime = 5_000;
      while (!resnapshotDue(id, stateOf(presence(id), 5_000), dueAtTime, INTERVAL)) dueAtTime += 1_000;
      const republished = stateOf(presence(id), dueAtTime);
      expect(resnapshotDue(id, republished, dueAtTime + INTERVAL - 1_000, INTERVAL), id).toBe(false);
      expect(resnapshotDue(id, republished, dueAtTime + INTERVAL, INTERVAL), id).toBe(true);
    }
  });

  it('is never due with an interval of 0 or less', () => {
    const state = stateOf(presence(alice), 0);
    expect(resnapshotDue(alice, state, Number.MAX_SAFE_INTEGER, 0)).toBe(false);
    expect(resnapshotDue(alice, state, Number.MAX_SAFE_INTEGER, -1)).toBe(false);
  });
});
