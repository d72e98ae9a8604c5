import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import type { KafkaAdmin, KafkaCluster, TopicSpec } from '../../src/kafka/index.js';
import { KafkaSink, type KafkaSinkOptions } from '../../src/sink/kafka-sink.js';
import { capturingLogger, fast, FakeIdempotentCluster, FakeTransactionalCluster, retriable, silent } from './fakes.js';

/** A cluster whose admin fails as scripted per connect attempt, with a state topic of `statePartitions`. */
function clusterWith(script: { adminFailures?: Error[]; statePartitions?: number; probe?: Error }): KafkaCluster & {
  created: TopicSpec[][];
  adminCalls: number;
  probes: number;
  transactional: FakeTransactionalCluster;
  idempotent: FakeIdempotentCluster;
} {
  const transactional = new FakeTransactionalCluster([{}]);
  const idempotent = new FakeIdempotentCluster([undefined]);
  const cluster = {
    transactional,
    idempotent,
    created: [] as TopicSpec[][],
    adminCalls: 0,
    probes: 0,
    async withAdmin<T>(work: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
      const failure = script.adminFailures?.[cluster.adminCalls];
      cluster.adminCalls++;
      if (failure !== undefined) throw failure;
      return work({
        createTopics: async (topics) => {
          cluster.created.push([...topics]);
          return true;
        },
        partitionCount: async () => script.statePartitions ?? 4,
        addPartitions: async () => undefined,
      });
    },
    readPartitions: (options: Parameters<KafkaCluster['readPartitions']>[0]) => transactional.readPartitions(options),
    transactionalProducer: () => transactional.transactionalProducer(),
    idempotentProducer: () => idempotent.idempotentProducer(),
    async probeTransactions(): Promise<void> {
      cluster.probes++;
      if (script.probe !== undefined) throw script.probe;
    },
    joinGroup: async () => ({ stop: async () => undefined }),
  };
  return cluster;
}

function sinkWith(kafka: KafkaCluster, overrides: Partial<KafkaSinkOptions> = {}): KafkaSink {
  return new KafkaSink({
    kafka,
    logger: silent,
    connectorName: 'connector',
    topic: 'events',
    partitions: 6,
    replicationFactor: -1,
    stateTopic: 'state',
    statePartitions: 4,
    delivery: 'auto',
    transactionTimeoutMs: 60_000,
    compression: 'gzip',
    maxBufferedRecords: 100,
    retry: fast,
    ...overrides,
  });
}

const unsupported = new ConnectorError(ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED, 'UNSUPPORTED_VERSION');

describe('KafkaSink.connect', () => {
  it('creates the events topic and the compacted state topic, then settles exactly-once', async () => {
    const kafka = clusterWith({});
    await expect(sinkWith(kafka).connect()).resolves.toBe('exactly-once');
    const [events, state] = kafka.created[0] ?? [];
    expect(events).toMatchObject({ topic: 'events', partitions: 6, replicationFactor: -1 });
    expect(state).toMatchObject({ topic: 'state', partitions: 4, config: { 'cleanup.policy': 'compact' } });
  });

  it('creates the table and the watermark topics compacted when they are on, the watermarks in one partition', async () => {
    const kafka = clusterWith({});
    await sinkWith(kafka, { table: { topic: 'table', partitions: 6 }, watermarkTopic: 'watermarks' }).connect();
    const created = kafka.created[0] ?? [];
    expect(created.map((topic) => topic.topic)).toEqual(['events', 'state', 'table', 'watermarks']);
    const compacted = { 'cleanup.policy': 'compact', 'segment.ms': '21600000' };
    expect(created[2]).toMatchObject({ topic: 'table', partitions: 6, config: compacted });
    expect(created[3]).toMatchObject({ topic: 'watermarks', partitions: 1, config: compacted });
  });

  it('creates neither the table nor the watermark topic when they are off', async () => {
    const kafka = clusterWith({});
    await sinkWith(kafka).connect();
    expect(kafka.created[0]?.map((topic) => topic.topic)).toEqual(['events', 'state']);
  });

  it('retries while Kafka is unreachable, reporting each failure', async () => {
    const kafka = clusterWith({ adminFailures: [retriable(), retriable()] });
    const errors: number[] = [];
    const sink = sinkWith(kafka, { observer: { onSendError: ({ attempt }) => void errors.push(attempt) } });
    await expect(sink.connect()).resolves.toBe('exactly-once');
    expect(kafka.adminCalls).toBe(3);
    expect(errors).toEqual([1, 2]);
  });

  it('warns once while Kafka stays unreachable, without a stack, and leaves "connected" to the worker', async () => {
    const down = retriable('Kafka topic administration failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const kafka = clusterWith({ adminFailures: [down, down, down, down] });
    const { logger, above } = capturingLogger();
    await expect(sinkWith(kafka, { logger }).connect()).resolves.toBe('exactly-once');
    expect(above(20)).toEqual([
      expect.objectContaining({ level: 40, msg: 'Kafka not reachable yet; retrying', error: down.message, attempt: 1 }),
      expect.objectContaining({ level: 30, msg: 'created topics' }),
    ]);
    expect(JSON.stringify(above(20))).not.toContain('    at ');
  });

  it('surfaces an error that is not retriable at once', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const kafka = clusterWith({ adminFailures: [bug] });
    await expect(sinkWith(kafka).connect()).rejects.toBe(bug);
    expect(kafka.adminCalls).toBe(1);
  });

  it('refuses a state topic whose partition count differs from kafka.statePartitions, without retrying', async () => {
    const kafka = clusterWith({ statePartitions: 12 });
    await expect(sinkWith(kafka).connect()).rejects.toMatchObject({ code: ErrorCodes.CONFIG_INVALID });
    expect(kafka.adminCalls).toBe(1);
  });

  it('delivers at-least-once under auto when the broker refuses transactions', async () => {
    const kafka = clusterWith({ probe: unsupported });
    await expect(sinkWith(kafka).connect()).resolves.toBe('at-least-once');
  });

  it('fails with SINK_TRANSACTIONS_UNSUPPORTED when exactly-once is asked of such a broker', async () => {
    const kafka = clusterWith({ probe: unsupported });
    const connecting = sinkWith(kafka, { delivery: 'exactly-once' }).connect();
    await expect(connecting).rejects.toMatchObject({ code: ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED });
    await expect(connecting).rejects.toThrow(/use at-least-once/);
    expect(kafka.probes).toBe(1);
  });

  it('does not probe when at-least-once is asked for', async () => {
    const kafka = clusterWith({ probe: unsupported });
    await expect(sinkWith(kafka, { delivery: 'at-least-once' }).connect()).resolves.toBe('at-least-once');
    expect(kafka.probes).toBe(0);
  });

  it('stops retrying with the last failure when the caller aborts', async () => {
    const failure = retriable();
    const kafka = clusterWith({ adminFailures: [failure, failure, failure] });
    const stop = new AbortController();
    const sink = sinkWith(kafka, { observer: { onSendError: () => stop.abort() } });
    await expect(sink.connect(stop.signal)).rejects.toBe(failure);
    expect(kafka.adminCalls).toBe(1);
  });
});

describe('KafkaSink publishing', () => {
  it('refuses to publish before connect and after close', async () => {
    const sink = sinkWith(clusterWith({}));
    const batch = { shard: 's1', events: [{ key: 'u1', value: Buffer.from('e') }], state: [] };
    await expect(sink.publish(batch)).rejects.toMatchObject({ code: ErrorCodes.SINK_CLOSED });
    await sink.connect();
    await sink.publish(batch);
    await sink.close(1000);
    await expect(sink.publish(batch)).rejects.toMatchObject({ code: ErrorCodes.SINK_CLOSED });
  });

  it('claims a shard by initialising its transactional producer in exactly-once mode only', async () => {
    const exactly = clusterWith({});
    const spy = { producers: 0 };
    const original = exactly.transactionalProducer;
    exactly.transactionalProducer = (options) => {
      spy.producers++;
      return original(options);
    };
    const sink = sinkWith(exactly);
    await sink.connect();
    await sink.claimShard('s1');
    expect(spy.producers).toBe(1);
    await sink.releaseShard('s1');

    const atLeastOnce = sinkWith(exactly, { delivery: 'at-least-once' });
    await atLeastOnce.connect();
    await atLeastOnce.claimShard('s1');
    expect(spy.producers).toBe(1);
  });

  it('publishes a batch of only a watermark in exactly-once mode, to the watermark topic', async () => {
    const kafka = clusterWith({});
    const sink = sinkWith(kafka, { table: { topic: 'table', partitions: 6 }, watermarkTopic: 'watermarks' });
    await sink.connect();
    await sink.publish({ shard: 's1', events: [], state: [], watermarks: [{ key: 's1', value: Buffer.from('w') }] });
    const producer = kafka.transactional.producers[0];
    expect(producer?.committed).toBe(1);
    const sent = producer?.sent[0]?.filter((topic) => topic.records.length > 0);
    expect(sent?.map((topic) => topic.topic)).toEqual(['watermarks']);
  });

  it('publishes the table and watermark records at-least-once too, to their topics', async () => {
    const kafka = clusterWith({});
    const sink = sinkWith(kafka, {
      delivery: 'at-least-once',
      table: { topic: 'table', partitions: 6 },
      watermarkTopic: 'watermarks',
    });
    await sink.connect();
    await sink.publish({
      shard: 's1',
      events: [{ key: 'u1', value: Buffer.from('e') }],
      table: [{ key: 'u1', value: Buffer.from('t') }],
      state: [{ key: 's1/u1', value: Buffer.from('s') }],
      watermarks: [{ key: 's1', value: Buffer.from('w') }],
    });
    expect(kafka.idempotent.producers[0]?.sent.map((topic) => topic.topic)).toEqual([
      'events',
      'table',
      'watermarks',
      'state',
    ]);
  });

  it('counts table and watermark records against the buffer bound', async () => {
    const kafka = clusterWith({});
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = kafka.transactionalProducer;
    kafka.transactionalProducer = async (options) => {
      const producer = await original(options);
      const begin = producer.begin.bind(producer);
      return Object.assign(producer, {
        begin: async () => {
          await held;
          return begin();
        },
      });
    };
    const sink = sinkWith(kafka, {
      maxBufferedRecords: 4,
      table: { topic: 'table', partitions: 6 },
      watermarkTopic: 'watermarks',
    });
    await sink.connect();
    const record = (key: string) => ({ key, value: Buffer.from(key) });
    // Four records in flight: one event, two table records, one state record.
    const first = sink.publish({
      shard: 's1',
      events: [record('u1')],
      table: [record('u1'), record('u2')],
      state: [record('s1/u1')],
    });
    let secondDone = false;
    const second = sink
      .publish({ shard: 's2', events: [], state: [], watermarks: [record('s2')] })
      .then(() => (secondDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    // The lone watermark waits for room: the buffer is full.
    expect(kafka.transactional.producers).toHaveLength(1);
    expect(secondDone).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(kafka.transactional.producers).toHaveLength(2);
  });
});
