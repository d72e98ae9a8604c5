import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ShardConfig } from '../../src/config/index.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { ShardPoller } from '../../src/poller/index.js';
import { ShardSupervisor } from '../../src/shard-ownership/shard-supervisor.js';
import type { ShardTakeover, StoredStateRecord } from '../../src/shard-ownership/takeover.js';
import {
  createStateCodec,
  PresenceStateStore,
  type ShardRestored,
  type UserPresenceState,
} from '../../src/state/index.js';

const logger = pino({ level: 'silent' });
const codec = createStateCodec();
const shards: ShardConfig[] = [
  { name: 'a', userIds: ['u1', 'u2'] },
  { name: 'b', userIds: ['u3'] },
];
const state = (sequenceNumber: string): UserPresenceState => ({
  sequenceNumber,
  availability: 'Available',
  activity: 'Available',
  observedAt: 1_700_000_000_000,
  fieldsHash: 7,
});

/** Records every call; `failures` are thrown by openShard, first to last. */
class FakeTakeover implements ShardTakeover {
  readonly calls: string[] = [];
  constructor(
    private readonly stored: StoredStateRecord[],
    private readonly failures: Error[] = [],
  ) {}
  async openShard(shard: string): Promise<void> {
    this.calls.push(`open ${shard}`);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }
  async closeShard(shard: string): Promise<void> {
    this.calls.push(`close ${shard}`);
  }
  async readState(names: readonly string[], onRecord: (record: StoredStateRecord) => void): Promise<void> {
    this.calls.push(`read ${names.join(',')}`);
    for (const record of this.stored) onRecord(record);
  }
}

function supervisorWith(takeover: ShardTakeover, restoredFails?: Error, supervisorLogger: Logger = logger) {
  const store = new PresenceStateStore(shards.flatMap((shard) => shard.userIds));
  const owned: string[][] = [];
  const polled: string[] = [];
  const retired: Array<ShardRestored & { polledBefore: string[] }> = [];
  const lifecycle = new AbortController();
  const supervisor = new ShardSupervisor({
    shards,
    takeover,
    store,
    stateCodec: codec,
    logger: supervisorLogger,
    signal: lifecycle.signal,
    onOwned: (names) => void owned.push([...names]),
    statePartitionOf: () => 0,
    onRestored: async (outcome) => {
      if (restoredFails !== undefined) throw restoredFails;
      retired.push({ ...outcome, polledBefore: [...polled] });
    },
    createPoller: (shard, quarantined) => {
      polled.push(shard.name);
      // A real poller that never reaches its first cycle within a test.
      return new ShardPoller({
        shard,
        quarantined,
        intervalMs: 60_000,
        startDelayMs: 60_000,
        batchSize: 10,
        fetchBatch: async () => ({ presences: [], missingIds: [], rejectedIds: [] }),
        deliverBatch: async () => undefined,
        logger,
      });
    },
  });
  return { supervisor, store, owned, polled, retired, lifecycle };
}

describe('ShardSupervisor', () => {
  it('opens the shards it gains, restores their users, retires those who left, and only then polls them', async () => {
    const takeover = new FakeTakeover([
      { key: codec.key('a', 'u1'), value: codec.encode(state('S1')) },
      // A user the config now puts in shard b: not restored into a; a's old record of it is retired (moved).
      { key: codec.key('a', 'u3'), value: codec.encode(state('S9')) },
      // A user in no shard: retired as removed.
      { key: codec.key('a', 'gone'), value: codec.encode(state('S4')) },
      { key: codec.key('a', 'u2'), value: codec.encode(state('S2')) },
      { key: codec.key('a', 'u2'), value: null },
      { key: 'not-ours', value: codec.encode(state('S0')) },
    ]);
    const { supervisor, store, owned, polled, retired } = supervisorWith(takeover);
    await supervisor.assign(['a']);
    expect(takeover.calls).toEqual(['open a', 'read a']);
    expect(store.get('u1')?.sequenceNumber).toBe('S1');
    expect(store.get('u2')).toBeUndefined();
    expect(store.get('u3')).toBeUndefined();
    expect(retired).toEqual([
      {
        shard: 'a',
        departures: [
          { userId: 'u3', stateShard: 'a', last: state('S9'), removed: false },
          { userId: 'gone', stateShard: 'a', last: state('S4'), removed: true },
        ],
        goneShards: [],
        tableComplete: false,
        polledBefore: [],
      },
    ]);
    expect(owned).toEqual([['a']]);
    expect(polled).toEqual(['a']);
    await supervisor.stop();
  });

  it('says what the restore read: users restored, and the superseded records and tombstones compaction has left', async () => {
    const takeover = new FakeTakeover([
      { key: codec.key('a', 'u1'), value: codec.encode(state('S1')) },
      { key: codec.key('a', 'u1'), value: codec.encode(state('S2')) },
      { key: codec.key('a', 'u1'), value: codec.encode(state('S3')) },
      { key: codec.key('a', 'u2'), value: codec.encode(state('S1')) },
      { key: codec.key('a', 'u2'), value: null },
      { key: codec.key('a', 'u2'), value: codec.encode(state('S5')) },
      // Another shard's user in the same partition: read, not restored here.
      { key: codec.key('b', 'u3'), value: codec.encode(state('S1')) },
    ]);
    const entries: Record<string, unknown>[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        entries.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const restoreLine = async (from: ShardTakeover): Promise<Record<string, unknown> | undefined> => {
      entries.length = 0;
      const { supervisor } = supervisorWith(from, undefined, pino({ level: 'info' }, capture));
      await supervisor.assign(['a']);
      await supervisor.stop();
      return entries.find((entry) => String(entry['msg']).startsWith('restored the state'));
    };
    // A compacted partition: nothing to explain.
    const compacted = new FakeTakeover([{ key: codec.key('a', 'u1'), value: codec.encode(state('S3')) }]);
    expect((await restoreLine(compacted))?.['msg']).toMatch(
      /^restored the state of the shards taken over: 1 user from 1 state record in \d+ ms$/,
    );
    const restored = await restoreLine(takeover);
    expect(restored).toMatchObject({ shards: ['a'], records: 7, users: 2, superseded: 3, other: 2, departed: 0 });
    expect(restored?.['msg']).toMatch(
      /^restored the state of the shards taken over: 2 users from 7 state records in \d+ ms \(3 superseded by a later record of the same user and 2 other: tombstones, table markers, users not restored here; compaction removes superseded records in time\)$/,
    );
  });

  it('closes a shard it loses and forgets its users', async () => {
    const takeover = new FakeTakeover([{ key: codec.key('a', 'u1'), value: codec.encode(state('S1')) }]);
    const { supervisor, store, owned } = supervisorWith(takeover);
    await supervisor.assign(['a']);
    await supervisor.assign(['b']);
    expect(takeover.calls).toEqual(['open a', 'read a', 'close a', 'open b', 'read b']);
    expect(store.get('u1')).toBeUndefined();
    expect(owned.at(-1)).toEqual(['b']);
    await supervisor.stop();
  });

  it('retries a takeover while Kafka settles', async () => {
    const settling = new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'coordinator loading', { retriable: true });
    const takeover = new FakeTakeover([], [settling]);
    const { supervisor, owned } = supervisorWith(takeover);
    await supervisor.assign(['b']);
    expect(takeover.calls).toEqual(['open b', 'open b', 'read b']);
    expect(owned).toEqual([['b']]);
    await supervisor.stop();
  });

  it('closes the shards it opened when their takeover fails after opening (fenced while publishing the restore)', async () => {
    const fenced = new ConnectorError(ErrorCodes.SINK_FENCED, 'another producer took over shard a');
    const takeover = new FakeTakeover([{ key: codec.key('a', 'u1'), value: codec.encode(state('S1')) }]);
    const { supervisor, store, owned, polled } = supervisorWith(takeover, fenced);
    await expect(supervisor.assign(['a'])).rejects.toBe(fenced);
    // Closed, so a later takeover gets a fresh producer instead of the one that stayed fenced.
    expect(takeover.calls).toEqual(['open a', 'read a', 'close a']);
    expect(store.get('u1')).toBeUndefined();
    expect(owned).toEqual([]);
    expect(polled).toEqual([]);
    await supervisor.stop();
  });

  it('fails the assignment at once on a takeover failure that is not retriable', async () => {
    const refused = new ConnectorError(ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED, 'transactional id not authorized');
    const takeover = new FakeTakeover([], [refused]);
    const { supervisor, owned, polled } = supervisorWith(takeover);
    await expect(supervisor.assign(['b'])).rejects.toBe(refused);
    expect(takeover.calls).toEqual(['open b']);
    expect(owned).toEqual([]);
    expect(polled).toEqual([]);
    await supervisor.stop();
  });

  it('fails the assignment at once, naming the key, on a state record that does not decode', async () => {
    const takeover = new FakeTakeover([{ key: codec.key('a', 'u1'), value: Buffer.from([0xff, 0xff, 0xff]) }]);
    const { supervisor, owned, polled } = supervisorWith(takeover);
    const failure = await supervisor.assign(['a']).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: ErrorCodes.STATE_RESTORE_FAILED,
      retriable: false,
      details: { key: 'a/u1' },
    });
    expect((failure as Error).message).toMatch(/^the state record "a\/u1" does not decode: /);
    // Not retried (the same record would fail again); the shard it opened is closed again.
    expect(takeover.calls).toEqual(['open a', 'read a', 'close a']);
    expect(owned).toEqual([]);
    expect(polled).toEqual([]);
    await supervisor.stop();
  });

  it('ignores shard names the config does not know', async () => {
    const takeover = new FakeTakeover([]);
    const { supervisor, owned } = supervisorWith(takeover);
    await supervisor.assign(['zzz']);
    expect(takeover.calls).toEqual([]);
    expect(owned).toEqual([[]]);
    await supervisor.stop();
  });
});
