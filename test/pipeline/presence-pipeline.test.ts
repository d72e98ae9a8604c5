/**
 * The per-shard path without Kafka or Graph: a fake presence source and a fake publisher of our own interfaces,
 * the real dedup store, encoder and Avro codecs. What matters: what reaches the publisher, and that the state
 * advances only after the publisher resolved.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { createPresenceEventCodec } from '../../src/events/index.js';
import type { Presence, PresenceBatchResult } from '../../src/graph/index.js';
import type { ProcessingObserver } from '../../src/observability/index.js';
import { createDepartureEncoder } from '../../src/pipeline/departure-encoder.js';
import { createBatchEncoder } from '../../src/pipeline/batch-encoder.js';
import { PresencePipeline, type PresenceSource } from '../../src/pipeline/presence-pipeline.js';
import type { DeliveryMode, EventPublisher, ShardBatch } from '../../src/sink/index.js';
import { createStateCodec, PresenceStateStore } from '../../src/state/index.js';

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

function setUp(source: PresenceSource = { fetchPresences: async () => result([]) }) {
  const store = new PresenceStateStore([USER_A, USER_B]);
  const codec = createPresenceEventCodec();
  const stateCodec = createStateCodec();
  const publisher = new FakePublisher();
  const reports: Array<{ hook: keyof ProcessingObserver; info: unknown }> = [];
  const pipeline = new PresencePipeline({
    schedule: { intervalMs: 60_000, startJitterMs: 0, batchSize: 650 },
    graph: source,
    store,
    encodeBatch: createBatchEncoder({ tenantId: 'tenant', connectorName: 'test', codec, stateCodec }),
    encodeDepartures: createDepartureEncoder({ tenantId: 'tenant', connectorName: 'test', codec, stateCodec }),
    publisher,
    logger: pino({ level: 'silent' }),
    observers: {
      poller: {},
      processing: {
        onVerdicts: (info) => void reports.push({ hook: 'onVerdicts', info }),
        onMissingIds: (info) => void reports.push({ hook: 'onMissingIds', info }),
        onPublished: (info) => void reports.push({ hook: 'onPublished', info }),
      },
    },
    random: () => 0,
  });
  const kinds = (batch: ShardBatch | undefined) =>
    (batch?.events ?? []).map(
      (record) => `${record.key} ${record.value === null ? 'tombstone' : codec.decode(record.value).kind}`,
    );
  return { store, stateCodec, publisher, pipeline, reports, kinds };
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
    expect(reports.at(-1)).toEqual({
      hook: 'onPublished',
      info: { shard: 'emea', snapshots: 2, changes: 0, usersTracked: store.size },
    });
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
      snapshot: 0,
      change: 1,
      duplicate: 1,
      stale: 1,
    });
  });

  it('publishes nothing for a batch without news', async () => {
    const { publisher, pipeline } = setUp();
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 1_000);
    await pipeline.deliver('emea', result([presence(USER_A, 'C1')]), 2_000);
    expect(publisher.batches).toHaveLength(1);
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
