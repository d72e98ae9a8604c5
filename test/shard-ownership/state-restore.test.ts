import { describe, expect, it } from 'vitest';
import type { ShardConfig } from '../../src/config/index.js';
import { isConnectorError } from '../../src/errors.js';
import { StateRestore } from '../../src/shard-ownership/state-restore.js';
import {
  createStateCodec,
  PresenceStateStore,
  TABLE_MARKER_ID,
  type UserPresenceState,
} from '../../src/state/index.js';

const codec = createStateCodec();
const state = (sequenceNumber: string): UserPresenceState => ({
  sequenceNumber,
  availability: 'Away',
  activity: 'Away',
  observedAt: 100,
  fieldsHash: 7,
});
const put = (shard: string, userId: string, sequence: string) => ({
  key: codec.key(shard, userId),
  value: codec.encode(state(sequence)),
});
const tombstone = (shard: string, userId: string) => ({ key: codec.key(shard, userId), value: null });

// Partitions by the shard name's first letter: a*, b* share one; z* is alone.
const partitionOf = (shard: string) => (shard.startsWith('z') ? 1 : 0);

const MARKER = Buffer.from('p.current');

function restoreOf(taken: string[], shards: ShardConfig[], tableTopic: string | undefined = 'p.current') {
  const store = new PresenceStateStore(shards.flatMap((shard) => shard.userIds));
  const restore = new StateRestore({
    taken,
    shards,
    store,
    codec,
    statePartitionOf: partitionOf,
    ...(tableTopic === undefined ? {} : { tableTopic }),
  });
  return { store, restore };
}

/** The departures of the outcome, by taken shard, for the shards that have any. */
function departuresOf(restore: StateRestore) {
  return new Map(
    restore
      .outcome()
      .filter((shard) => shard.departures.length > 0)
      .map((shard) => [shard.shard, shard.departures]),
  );
}

describe('restoring taken-over shards', () => {
  const shards: ShardConfig[] = [
    { name: 'a', userIds: ['u1', 'u2'] },
    { name: 'b', userIds: ['u3', 'moved'] },
  ];

  it("restores the latest record of each member, a tombstone forgetting it, and ignores other shards' members", () => {
    const { store, restore } = restoreOf(['a'], shards);
    for (const record of [put('a', 'u1', 'C1'), put('a', 'u1', 'C2'), put('a', 'u2', 'C1'), tombstone('a', 'u2')])
      restore.add(record);
    restore.add(put('b', 'u3', 'C5'));
    expect(store.get('u1')?.sequenceNumber).toBe('C2');
    expect(store.get('u2')).toBeUndefined();
    expect(store.get('u3')).toBeUndefined();
    expect(restore.records).toBe(5);
    expect(departuresOf(restore)).toEqual(new Map());
  });

  it('retires a user in no shard as removed and a user now in another shard as moved, with the last state', () => {
    const { restore } = restoreOf(['a'], shards);
    restore.add(put('a', 'gone', 'C1'));
    restore.add(put('a', 'gone', 'C3'));
    restore.add(put('a', 'moved', 'C4'));
    expect(departuresOf(restore)).toEqual(
      new Map([
        [
          'a',
          [
            { userId: 'gone', stateShard: 'a', last: state('C3'), removed: true },
            { userId: 'moved', stateShard: 'a', last: state('C4'), removed: false },
          ],
        ],
      ]),
    );
  });

  it('does not retire again a user whose state record was already deleted', () => {
    const { restore } = restoreOf(['a'], shards);
    restore.add(put('a', 'gone', 'C1'));
    restore.add(tombstone('a', 'gone'));
    expect(departuresOf(restore)).toEqual(new Map());
  });

  it("retires the users of a shard the config no longer has through the partition's first configured shard only", () => {
    const orphan = put('ax-old', 'gone', 'C2');
    const first = restoreOf(['a'], shards);
    first.restore.add(orphan);
    expect(departuresOf(first.restore).get('a')).toEqual([
      { userId: 'gone', stateShard: 'ax-old', last: state('C2'), removed: true },
    ]);
    // b shares the partition but is not its first shard: it leaves the record to a's owner.
    const second = restoreOf(['b'], shards);
    second.restore.add(orphan);
    expect(departuresOf(second.restore)).toEqual(new Map());
    // A partition no configured shard maps to is nobody's.
    const none = restoreOf(['a', 'b'], shards);
    none.restore.add(put('z-old', 'gone', 'C2'));
    expect(departuresOf(none.restore)).toEqual(new Map());
  });

  it('fails as it reads, naming the key, on a record of a leaving user that does not decode', () => {
    const { restore } = restoreOf(['a'], shards);
    let failure: unknown;
    try {
      restore.add({ key: codec.key('a', 'gone'), value: Buffer.from([0xff, 0xff, 0xff]) });
    } catch (error) {
      failure = error;
    }
    expect(isConnectorError(failure, 'STATE_RESTORE_FAILED')).toBe(true);
    expect(String(failure)).toContain('"a/gone"');
  });

  it('reports per taken shard whether its table marker stands, and the gone shards it retires, marker included', () => {
    const { restore } = restoreOf(['a', 'b'], shards);
    restore.add({ key: codec.key('a', TABLE_MARKER_ID), value: MARKER });
    restore.add({ key: codec.key('b', TABLE_MARKER_ID), value: MARKER });
    restore.add({ key: codec.key('b', TABLE_MARKER_ID), value: null });
    // A gone shard whose only record left is its marker: retired all the same, and never as a user.
    restore.add({ key: codec.key('ax-old', TABLE_MARKER_ID), value: MARKER });
    expect(restore.outcome()).toEqual([
      { shard: 'a', departures: [], goneShards: ['ax-old'], tableComplete: true },
      { shard: 'b', departures: [], goneShards: [], tableComplete: false },
    ]);
  });

  it('takes a user as on the table when its state record came after its shard marker, in offset order', () => {
    const { store, restore } = restoreOf(['a', 'b'], shards);
    restore.add(put('a', 'u1', 'C1')); // before a's marker: predates the table
    restore.add(put('b', 'u3', 'C1')); // b never got a marker
    restore.add({ key: codec.key('a', TABLE_MARKER_ID), value: MARKER });
    restore.add(put('a', 'u2', 'C2')); // written with its table record
    expect(store.isOnTable('u1')).toBe(false);
    expect(store.isOnTable('u2')).toBe(true);
    expect(store.isOnTable('u3')).toBe(false);
    // A later record of u1 (it changed after the marker) puts it on the table; a marker tombstone ends that.
    restore.add(put('a', 'u1', 'C3'));
    expect(store.isOnTable('u1')).toBe(true);
    restore.add({ key: codec.key('a', TABLE_MARKER_ID), value: null });
    restore.add(put('a', 'u2', 'C4'));
    expect(store.isOnTable('u2')).toBe(false);
    expect(restore.outcome().map((shard) => shard.tableComplete)).toEqual([false, false]);
  });

  it('retires a gone shard only while it has a live record, so a shard already retired is not retired again', () => {
    const { restore } = restoreOf(['a'], shards);
    for (const record of [put('ax-old', 'gone', 'C1'), tombstone('ax-old', 'gone')]) restore.add(record);
    restore.add({ key: codec.key('ax-old', TABLE_MARKER_ID), value: null });
    expect(restore.outcome()).toEqual([{ shard: 'a', departures: [], goneShards: [], tableComplete: false }]);
  });

  it('counts a marker only for this table topic, and any marker as standing when the table is off', () => {
    const renamed = restoreOf(['a'], shards, 'p.renamed');
    renamed.restore.add({ key: codec.key('a', TABLE_MARKER_ID), value: MARKER });
    renamed.restore.add(put('a', 'u1', 'C1'));
    expect(renamed.restore.outcome()[0]?.tableComplete).toBe(false);
    expect(renamed.store.isOnTable('u1')).toBe(false);
    const off = restoreOf(['a'], shards, undefined);
    off.restore.add({ key: codec.key('a', TABLE_MARKER_ID), value: MARKER });
    expect(off.restore.outcome()[0]?.tableComplete).toBe(true);
  });

  it("leaves keys of reserved ids alone: they are the connector's own, never users", () => {
    const { restore } = restoreOf(['a'], shards);
    restore.add({ key: codec.key('a', '!future'), value: Buffer.from('anything') });
    expect(restore.outcome()).toEqual([{ shard: 'a', departures: [], goneShards: [], tableComplete: false }]);
  });
});
