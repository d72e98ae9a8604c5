/**
 * The per-shard path without Kafka or Graph: a fake presence source and a fake publisher of our own interfaces,
 * the real dedup store, encoder and Avro codecs. What matters: what reaches the publisher, and that the state
 * advances only after the publisher resolved.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { createPresenceEventCodec, createWatermarkCodec } from '../../src/events/index.js';
import type { Presence, PresenceBatchResult } from '../../src/graph/index.js';
import type { ProcessingObserver } from '../../src/observability/index.js';
import { createDepartureEncoder, tableMarkerRecord } from '../../src/pipeline/departure-encoder.js';
import { createBatchEncoder } from '../../src/pipeline/batch-encoder.js';
import { PresencePipeline, type PresenceSource } from '../../src/pipeline/presence-pipeline.js';
import { createWatermarkEncoder } from '../../src/pipeline/watermark-encoder.js';
import type { DeliveryMode, EventPublisher, ShardBatch } from '../../src/sink/index.js';
import {
  createStateCodec,
  PresenceStateStore,
  stateOf,
  type Departure,
  type ShardRestored,
} from '../../src/state/index.js';

const USER_A = '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11';
const USER_B = '0d4f1c2e-8b7a-4e6d-9c5b-3a2f1e0d9c8b';

function presence(id: string, sequenceNumber: string, availability = 'Available'): Presence {
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

function result(presences: Presence[], missingIds: string[] = []): PresenceBatchResult {
  return { presences, missingIds, rejectedIds: [] };
}

/** Records every batch; `next` decides how the next publish ends (resolve by default). */
class FakePublisher implements EventPublisher {
  readonly batches: ShardBatch[] = [];
  next: (() => Promise<void>) | undefined;

  async connect(): Promise<DeliveryMode> {
    return 'exactly-once';
  }
  async publish(batch: ShardBatch): Promise<void> {
    this.batches.push(batch);
    const outcome = this.next;
    this.next = undefined;
    await outcome?.();
  }
  async claimShard(): Promise<void> {}
  async releaseShard(): Promise<void> {}
  async close(): Promise<void> {}
}

interface SetUpOptions {
  /** The table topic on: the encoders write table records. */
  table?: boolean;
  /** Watermarks on: the pipeline has a watermark encoder. */
  watermarks?: boolean;
  resnapshotIntervalMs?: number;
  now?: () => number;
}

function setUp(
  source: PresenceSource = { fetchPresences: async () => result([]) },
  { table = false, watermarks = false, resnapshotIntervalMs, now }: SetUpOptions = {},
) {
  const store = new PresenceStateStore([USER_A, USER_B]);
  const codec = createPresenceEventCodec();
  const stateCodec = createStateCodec();
  const watermarkCodec = createWatermarkCodec();
  const publisher = new FakePublisher();
  const reports: Array<{ hook: keyof ProcessingObserver; info: unknown }> = [];
  const encoderOptions = {
    tenantId: 'tenant',
    connectorName: 'test',
    codec,
    stateCodec,
    ...(table ? { frameTableValue: (avro: Buffer) => avro } : {}),
  };
  const pipeline = new PresencePipeline({
    schedule: {
      intervalMs: 60_000,
      startJitterMs: 0,
      batchSize: 650,
      ...(resnapshotIntervalMs === undefined ? {} : { resnapshotIntervalMs }),
    },
    graph: source,
    store,
    encodeBatch: createBatchEncoder(encoderOptions),
    encodeDepartures: createDepartureEncoder(encoderOptions),
    encodeTableMarker: (shard, complete) => tableMarkerRecord(stateCodec, shard, complete ? 'p.current' : undefined),
    tableEnabled: table,
    ...(watermarks
      ? {
          encodeWatermark: createWatermarkEncoder({
            tenantId: 'tenant',
            connectorName: 'test',
            codec: watermarkCodec,
            frameValue: (avro) => avro,
          }),
        }
      : {}),
    publisher,
    logger: pino({ level: 'silent' }),
    observers: {
      poller: {},
      processing: {
        onVerdicts: (info) => void reports.push({ hook: 'onVerdicts', info }),
        onMissingIds: (info) => void reports.push({ hook: 'onMissingIds', info }),
        onPublished: (info) => void reports.push({ hook: 'onPublished', info }),
        onDeparted: (info) => void reports.push({ hook: 'onDeparted', info }),
        onDelivered: (info) => void reports.push({ hook: 'onDelivered', info }),
      },
    },
    random: () => 0,
    ...(now === undefined ? {} : { now }),
  });
  const kinds = (batch: ShardBatch | undefined) =>
    (batch?.events ?? []).map(
      (record) => `${record.key} ${record.value === null ? 'tombstone' : codec.decode(record.value).kind}`,
    );
  return { store, codec, stateCodec, watermarkCodec, publisher, pipeline, reports, kinds };
}

describe('PresencePipeline.deliver: dedup -> encoder -> sink -> state', () => {
  it('publishes first sightings as snapshots, with one state record per user, then advances the state', async () => {
    const { store, stateCodec, publisher, pipeline, reports, kinds } = setUp();
    await pipeline.deliver('emea', result([presence(USER_A, 'C1'), presence(USER_B, 'C7')]), 1_000);

    expect(publisher.batches).toHaveLength(1);
    expect(publisher.batches[0]?.shard).toBe('emea');
    expect(kinds(publisher.batches[0])).toEqual([`${USER_A} SNAPSHOT`, `${USER_B} SNAPSHOT`]);
    expect(publisher.batches[0]?.state.map((record) => record.key)).toEqual([
      stateCodec.key('emea', USER_A),
      stateCodec.key('emea', USER_B),
    ]);
    expect(store.get(USER_A)?.sequenceNumber).toBe('C1');
    expect(store.get(USER_B)?.observedAt).toBe(1_000);
    expect(reports.slice(-2)).toEqual([
      { hook: 'onPublished', info: { shard: 'emea', snapshots: 2, changes: 0, usersTracked: store.size } },
      { hook: 'onDelivered', info: { shard: 'emea', users: 2 } },
    ]);
  });

  it('publishes only what changed; duplicates and stale reads are counted, not published', async () => {
    const { publisher, pipeline, reports, kinds } = setUp();
    await pipeline.deliver('emea', result([presence(USER_A, 'C5'), presence(USER_B, 'C5')]), 1_000);
    await pipeline.deliver(
      'emea',
      result([presence(USER_A, 'C5', 'Busy'), presence(USER_B, 'C4', 'Away'), presence(USER_A, 'C6', 'Busy')]),
      2_000,
    );
    expect(kinds(publisher.batches[1])).toEqual([`${USER_A} CHANGE`]);
    expect(reports.filter((report) => report.hook === 'onVerdicts').at(-1)?.info).toEqual({
      shard: 'emea',
      counts: { snapshot: 0, change: 1, duplicate: 1, stale: 1 },
    });
  });

  it('publishes nothing for a batch without news, and reports it done with its users', async () => {
    const { publisher, pipeline, reports } = setUp();
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 1_000);
    reports.length = 0;
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')], [USER_B]), 2_000);
    expect(publisher.batches).toHaveLength(1);
    expect(reports.map((report) => report.hook)).toEqual(['onMissingIds', 'onVerdicts', 'onDelivered']);
    expect(reports.at(-1)?.info).toEqual({ shard: 'emea', users: 2 });
  });

  it('reports a batch done only once Kafka acknowledged it', async () => {
    const { publisher, pipeline, reports } = setUp();
    publisher.next = () => Promise.reject(new ConnectorError(ErrorCodes.SINK_SEND_FAILED, 'broker away'));
    await expect(pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 1_000)).rejects.toThrow('broker away');
    expect(reports.map((report) => report.hook)).toEqual(['onVerdicts']);
  });

  it('leaves the state as it was while Kafka has not acknowledged, and after a failed publish', async () => {
    const { store, publisher, pipeline, kinds } = setUp();
    let acknowledge: () => void = () => undefined;
    publisher.next = () => new Promise<void>((resolve) => (acknowledge = resolve));
    const pending = pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(publisher.batches).toHaveLength(1);
    expect(store.get(USER_A)).toBeUndefined();
    acknowledge();
    await pending;
    expect(store.get(USER_A)?.sequenceNumber).toBe('C1');

    const refused = new ConnectorError(ErrorCodes.SINK_FENCED, 'fenced');
    publisher.next = async () => {
      throw refused;
    };
    await expect(pipeline.deliver('emea', result([presence(USER_A, 'C2', 'Busy')]), 2_000)).rejects.toBe(refused);
    expect(store.get(USER_A)?.sequenceNumber).toBe('C1');
    // Nothing was lost: the next cycle's same presence produces the same change again.
    await pipeline.deliver('emea', result([presence(USER_A, 'C2', 'Busy')]), 3_000);
    expect(kinds(publisher.batches.at(-1))).toEqual([`${USER_A} CHANGE`]);
    expect(store.get(USER_A)?.sequenceNumber).toBe('C2');
  });

  it('reports ids missing from the response', async () => {
    const { pipeline, reports } = setUp();
    await pipeline.deliver('emea', result([], [USER_B]), 1_000);
    expect(reports[0]).toEqual({ hook: 'onMissingIds', info: { shard: 'emea', ids: [USER_B] } });
  });
});

describe('PresencePipeline.pollerFor: poller -> graph client -> deliver', () => {
  it('gives a shard a poller whose batches go to the source and on to the publisher', async () => {
    const asked: string[][] = [];
    const { publisher, pipeline, kinds } = setUp({
      fetchPresences: async (ids) => {
        asked.push([...ids]);
        return result(ids.map((id) => presence(id, 'C1')));
      },
    });
    const poller = pipeline.pollerFor({ name: 'emea', userIds: [USER_A, USER_B] }, new Set([USER_B]));
    const report = await poller.pollOnce();
    expect(report.failedBatches).toBe(0);
    // The quarantined id is not asked for again.
    expect(asked).toEqual([[USER_A]]);
    expect(kinds(publisher.batches[0])).toEqual([`${USER_A} SNAPSHOT`]);
  });
});

describe('PresencePipeline.deliver: periodic re-snapshot', () => {
  // USER_A's phase (a hash of its id) puts its boundaries at 87.8 ms into each 1 s interval.
  it('re-publishes an unchanged presence as a SNAPSHOT once it is due, and not before', async () => {
    const { store, publisher, pipeline, reports, kinds, codec } = setUp(undefined, { resnapshotIntervalMs: 1_000 });
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 0);
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 80);
    expect(publisher.batches).toHaveLength(1);

    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 600);
    expect(publisher.batches).toHaveLength(2);
    expect(kinds(publisher.batches[1])).toEqual([`${USER_A} SNAPSHOT`]);
    const event = codec.decode(publisher.batches[1]?.events[0]?.value ?? Buffer.alloc(0));
    expect(event.previousSequenceNumber).toBeNull();
    expect(event.previousObservedAt).toBeNull();
    expect(store.get(USER_A)?.observedAt).toBe(600);
    expect(reports.at(-2)).toMatchObject({ hook: 'onPublished', info: { snapshots: 1, changes: 0 } });

    // Once per interval: next at its boundary one interval on.
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 1_080);
    expect(publisher.batches).toHaveLength(2);
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 1_090);
    expect(publisher.batches).toHaveLength(3);
  });

  it('never re-publishes when the interval is not set', async () => {
    const { publisher, pipeline } = setUp();
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 0);
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 365 * 24 * 3_600_000);
    expect(publisher.batches).toHaveLength(1);
  });
});

describe('PresencePipeline.confirm: the watermark', () => {
  const cycle = { confirmedAt: 10_000, completedAt: 12_500, usersConfirmed: 2, usersUnconfirmed: 1 };

  it('publishes the shard watermark as a batch of its own', async () => {
    const { publisher, pipeline, watermarkCodec } = setUp(undefined, { watermarks: true });
    await pipeline.confirm('emea', cycle);
    expect(publisher.batches).toHaveLength(1);
    const [batch] = publisher.batches;
    expect(batch).toMatchObject({ shard: 'emea', events: [], state: [] });
    expect(batch?.watermarks?.map((record) => record.key)).toEqual(['emea']);
    expect(watermarkCodec.decode(batch?.watermarks?.[0]?.value ?? Buffer.alloc(0))).toEqual({
      shard: 'emea',
      tenantId: 'tenant',
      confirmedAt: 10_000,
      cycleCompletedAt: 12_500,
      usersConfirmed: 2,
      usersUnconfirmed: 1,
      connector: 'test',
    });
  });

  it('publishes nothing without a watermark encoder (watermarks off)', async () => {
    const { publisher, pipeline } = setUp();
    await pipeline.confirm('emea', cycle);
    expect(publisher.batches).toEqual([]);
  });

  it("publishes a poller's watermark after the cycle's changes, and none after a cycle whose publish failed", async () => {
    const { publisher, pipeline, kinds } = setUp(
      { fetchPresences: async (ids) => result(ids.map((id) => presence(id, 'C1'))) },
      { watermarks: true },
    );
    const poller = pipeline.pollerFor({ name: 'emea', userIds: [USER_A, USER_B] }, new Set());
    publisher.next = async () => {
      throw new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away', { retriable: true });
    };
    expect(await poller.pollOnce()).toMatchObject({ failedBatches: 1 });
    expect(publisher.batches).toHaveLength(1);
    expect(publisher.batches[0]?.watermarks).toBeUndefined();

    expect(await poller.pollOnce()).toMatchObject({ failedBatches: 0 });
    expect(publisher.batches).toHaveLength(3);
    expect(kinds(publisher.batches[1])).toEqual([`${USER_A} SNAPSHOT`, `${USER_B} SNAPSHOT`]);
    expect(publisher.batches[2]?.watermarks?.map((record) => record.key)).toEqual(['emea']);
  });
});

/** The restore of shard emea found these departures; its table is complete, so no filling is due. */
function restoredWith(departures: Departure[], extra: Partial<ShardRestored> = {}): ShardRestored {
  return { shard: 'emea', departures, goneShards: [], tableComplete: true, ...extra };
}

describe('PresencePipeline.restored: users who left a shard', () => {
  const lastA = stateOf(presence(USER_A, 'C3', 'Busy'), 1_000);
  const lastB = stateOf(presence(USER_B, 'C4', 'Away'), 2_000);
  const departures: Departure[] = [
    { userId: USER_A, stateShard: 'emea', last: lastA, removed: true },
    // Moved to another shard, and held in the state of a shard the config no longer has.
    { userId: USER_B, stateShard: 'gone', last: lastB, removed: false },
  ];

  it('publishes REMOVED and a table tombstone for a removed user, a state tombstone for every one', async () => {
    const { publisher, pipeline, codec, stateCodec, kinds } = setUp(undefined, { table: true, now: () => 9_000 });
    await pipeline.restored(restoredWith(departures));
    expect(publisher.batches).toHaveLength(1);
    const [batch] = publisher.batches;
    expect(batch?.shard).toBe('emea');
    expect(kinds(batch)).toEqual([`${USER_A} REMOVED`]);
    expect(codec.decode(batch?.events[0]?.value ?? Buffer.alloc(0))).toMatchObject({
      userId: USER_A,
      shard: 'emea',
      observedAt: 9_000,
      previousAvailability: 'Busy',
      previousSequenceNumber: 'C3',
      previousObservedAt: 1_000,
    });
    expect(batch?.table).toEqual([{ key: USER_A, value: null }]);
    expect(batch?.state).toEqual([
      { key: stateCodec.key('emea', USER_A), value: null },
      { key: stateCodec.key('gone', USER_B), value: null },
    ]);
  });

  it('writes no table records when the table is off', async () => {
    const { publisher, pipeline } = setUp();
    await pipeline.restored(restoredWith(departures, { tableComplete: false }));
    expect(publisher.batches[0]?.table).toBeUndefined();
    expect(publisher.batches[0]?.state).toHaveLength(2);
  });

  it('leaves the store alone and reports the removed and the moved users', async () => {
    const { store, pipeline, reports } = setUp(undefined, { table: true });
    store.commit(USER_A, lastA);
    store.commit(USER_B, lastB);
    await pipeline.restored(restoredWith(departures));
    expect(store.get(USER_A)).toEqual(lastA);
    expect(store.get(USER_B)).toEqual(lastB);
    expect(store.size).toBe(2);
    expect(reports).toEqual([{ hook: 'onDeparted', info: { shard: 'emea', removed: 1, moved: 1 } }]);
  });

  it('reports nothing when the publish fails, and publishes nothing for no departures', async () => {
    const { publisher, pipeline, reports } = setUp();
    const refused = new ConnectorError(ErrorCodes.SINK_FENCED, 'fenced');
    publisher.next = async () => {
      throw refused;
    };
    await expect(pipeline.restored(restoredWith(departures, { tableComplete: false }))).rejects.toBe(refused);
    expect(reports).toEqual([]);

    await pipeline.restored(restoredWith([], { tableComplete: false }));
    expect(publisher.batches).toHaveLength(1);
    expect(reports).toEqual([]);
  });
});

describe('PresencePipeline.restored: filling the table, and shards that are gone', () => {
  it('writes the marker before polling, then re-publishes once each user whose state predates the table', async () => {
    const { store, publisher, pipeline, kinds, stateCodec } = setUp(undefined, { table: true });
    // Restored from before the marker: not on the table.
    store.commit(USER_A, stateOf(presence(USER_A, 'C1'), 1_000));
    store.commit(USER_B, stateOf(presence(USER_B, 'C2'), 1_000));
    await pipeline.restored(restoredWith([], { tableComplete: false }));
    expect(publisher.batches).toEqual([
      { shard: 'emea', events: [], table: [], state: [tableMarkerRecord(stateCodec, 'emea', 'p.current')] },
    ]);

    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 2_000);
    expect(kinds(publisher.batches[1])).toEqual([`${USER_A} SNAPSHOT`]);
    expect(publisher.batches[1]?.table?.map((record) => record.key)).toEqual([USER_A]);
    expect(store.isOnTable(USER_A)).toBe(true);

    // Once published with its table record, a user is a duplicate again; the other one still goes out once.
    await pipeline.deliver('emea', result([presence(USER_A, 'C1'), presence(USER_B, 'C2')]), 3_000);
    expect(kinds(publisher.batches[2])).toEqual([`${USER_B} SNAPSHOT`]);
    await pipeline.deliver('emea', result([presence(USER_A, 'C1'), presence(USER_B, 'C2')]), 4_000);
    expect(publisher.batches).toHaveLength(3);
  });

  it('re-publishes nobody when the table is complete, and nobody for the table when it is off', async () => {
    const on = setUp(undefined, { table: true });
    on.store.commit(USER_A, stateOf(presence(USER_A, 'C1'), 1_000), true);
    await on.pipeline.restored(restoredWith([], { tableComplete: true }));
    await on.pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 2_000);
    expect(on.publisher.batches).toEqual([]);

    const off = setUp();
    off.store.commit(USER_A, stateOf(presence(USER_A, 'C1'), 1_000));
    await off.pipeline.restored(restoredWith([], { tableComplete: false }));
    await off.pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 2_000);
    expect(off.publisher.batches).toEqual([]);
  });

  it('deletes the marker of a shard whose table is off, so that switching it on again refills the table', async () => {
    const { publisher, pipeline, stateCodec } = setUp();
    await pipeline.restored(restoredWith([], { tableComplete: true }));
    expect(publisher.batches).toEqual([
      { shard: 'emea', events: [], state: [tableMarkerRecord(stateCodec, 'emea', undefined)] },
    ]);
  });

  it("deletes a gone shard's table marker and watermark with its users", async () => {
    const { publisher, pipeline, stateCodec } = setUp(undefined, { table: true, watermarks: true });
    await pipeline.restored(restoredWith([], { goneShards: ['old'] }));
    expect(publisher.batches).toHaveLength(1);
    expect(publisher.batches[0]?.state).toEqual([tableMarkerRecord(stateCodec, 'old', undefined)]);
    expect(publisher.batches[0]?.watermarks).toEqual([{ key: 'old', value: null }]);
  });

  it('retires many users a Graph batch at a time, the marker and gone shards with the first', async () => {
    const { publisher, pipeline, stateCodec, reports } = setUp(undefined, { table: true });
    const last = stateOf(presence(USER_A, 'C1'), 1_000);
    const many: Departure[] = Array.from({ length: 1_400 }, (_, index) => ({
      userId: `user-${index}`,
      stateShard: 'emea',
      last,
      removed: true,
    }));
    await pipeline.restored(restoredWith(many, { tableComplete: false, goneShards: ['old'] }));
    expect(publisher.batches.map((batch) => batch.events.length)).toEqual([650, 650, 100]);
    expect(publisher.batches[0]?.state).toContainEqual(tableMarkerRecord(stateCodec, 'emea', 'p.current'));
    expect(publisher.batches[0]?.state).toContainEqual(tableMarkerRecord(stateCodec, 'old', undefined));
    expect(publisher.batches.slice(1).flatMap((batch) => batch.state.map((record) => record.value))).toEqual(
      Array.from({ length: 750 }, () => null),
    );
    expect(reports).toEqual([{ hook: 'onDeparted', info: { shard: 'emea', removed: 1_400, moved: 0 } }]);
  });
});
