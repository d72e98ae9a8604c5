import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { IdempotentPublisher } from '../../src/sink/idempotent-publisher.js';
import type { IdempotentProducer, KafkaCluster } from '../../src/kafka/index.js';
import type { OutputTopics, ShardBatch } from '../../src/sink/types.js';
import { capturingLogger, fast, FakeIdempotentCluster, retriable, silent } from './fakes.js';

const batch: ShardBatch = {
  shard: 's1',
  events: [{ key: 'u1', value: Buffer.from('event') }],
  state: [{ key: 's1/u1', value: Buffer.from('state') }],
};

/** Events, table and watermark records of one batch; the table holds a tombstone, as for a user who left. */
const full: ShardBatch = {
  shard: 's1',
  events: [{ key: 'u1', value: Buffer.from('event') }],
  table: [
    { key: 'u1', value: Buffer.from('table') },
    { key: 'u2', value: null },
  ],
  state: [{ key: 's1/u1', value: Buffer.from('state') }],
  watermarks: [{ key: 's1', value: Buffer.from('watermark') }],
};

const withOutputs: Partial<OutputTopics> = { tableTopic: 'table', watermarkTopic: 'watermarks' };

/** A cluster whose one producer holds every send until the test acknowledges it. */
function gatedCluster() {
  const sends: Array<{ topic: string; acknowledge: () => void }> = [];
  const producer: IdempotentProducer = {
    send: (batch) =>
      new Promise<void>((resolve) => {
        sends.push({ topic: batch.topic, acknowledge: resolve });
      }),
    disconnect: async () => undefined,
  };
  return { cluster: { idempotentProducer: async () => producer }, sends };
}

/** A cluster whose producers refuse every send to `topic`, at once and for good. */
function refusingCluster(topic: string, error: Error) {
  const sent: string[] = [];
  const producer: IdempotentProducer = {
    send: async (batch) => {
      sent.push(batch.topic);
      if (batch.topic === topic) throw error;
    },
    disconnect: async () => undefined,
  };
  return { cluster: { idempotentProducer: async () => producer }, sent };
}

function publisherWith(
  failures: Array<Error | undefined>,
  {
    closing = new AbortController(),
    onSendError,
    topics = {},
    cluster,
    logger = silent,
  }: {
    closing?: AbortController;
    onSendError?: () => void;
    topics?: Partial<OutputTopics>;
    /** Replaces the scripted fake cluster. */
    cluster?: Pick<KafkaCluster, 'idempotentProducer'>;
    logger?: typeof silent;
  } = {},
) {
  const kafka = new FakeIdempotentCluster(failures);
  const seen = { sendErrors: 0, published: 0 };
  const publisher = new IdempotentPublisher({
    kafka: cluster ?? kafka,
    eventsTopic: 'events',
    ...topics,
    stateTopic: 'state',
    statePartitionOf: () => 5,
    compression: 'none',
    retry: fast,
    closing: closing.signal,
    logger,
    observer: {
      onSendError: () => {
        seen.sendErrors++;
        onSendError?.();
      },
      onPublished: () => {
        seen.published++;
      },
    },
  });
  return { publisher, kafka, seen };
}

describe('IdempotentPublisher', () => {
  it('sends the events, then the state records to the shard state partition', async () => {
    const { publisher, kafka, seen } = publisherWith([undefined]);
    await publisher.publish(batch);
    const sent = kafka.producers[0]?.sent ?? [];
    expect(sent.map((topic) => topic.topic)).toEqual(['events', 'state']);
    expect(sent[0]?.records[0]?.partition).toBeUndefined();
    expect(sent[1]?.records.map((record) => record.partition)).toEqual([5]);
    expect(seen.published).toBe(1);
  });

  it('retries a retriable failure with a new producer, discarding the failed one', async () => {
    const { publisher, kafka, seen } = publisherWith([retriable(), undefined]);
    await publisher.publish(batch);
    expect(kafka.producers).toHaveLength(2);
    expect(kafka.producers[0]?.disconnected).toBe(true);
    expect(kafka.producers[1]?.sent.map((topic) => topic.topic)).toEqual(['events', 'state']);
    expect(seen.sendErrors).toBe(1);
  });

  it('surfaces a non-retriable failure at once and sends no state after it', async () => {
    const refused = new ConnectorError(ErrorCodes.KAFKA_REQUEST_FAILED, 'MESSAGE_TOO_LARGE');
    const { publisher, kafka, seen } = publisherWith([refused, undefined]);
    await expect(publisher.publish(batch)).rejects.toBe(refused);
    expect(kafka.producers).toHaveLength(1);
    expect(kafka.producers[0]?.sent.map((topic) => topic.topic)).toEqual(['events']);
    expect(seen.sendErrors).toBe(0);
    expect(seen.published).toBe(0);
  });

  it('rejects with SINK_CLOSED when the sink closes during the backoff', async () => {
    const failure = retriable();
    const closing = new AbortController();
    const { publisher, kafka } = publisherWith([failure], { closing, onSendError: () => closing.abort() });
    await expect(publisher.publish(batch)).rejects.toMatchObject({ code: ErrorCodes.SINK_CLOSED, cause: failure });
    expect(kafka.producers).toHaveLength(1);
  });

  it('sends nothing for an empty part of a batch and closes its producer', async () => {
    const { publisher, kafka } = publisherWith([undefined]);
    await publisher.publish({ shard: 's1', events: [], state: batch.state });
    expect(kafka.producers[0]?.sent.map((topic) => topic.topic)).toEqual(['state']);
    await publisher.close();
    expect(kafka.producers[0]?.disconnected).toBe(true);
  });

  it('sends the events, then the table records, then the watermarks, then the state', async () => {
    const { publisher, kafka, seen } = publisherWith([undefined], { topics: withOutputs });
    await publisher.publish(full);
    const sent = kafka.producers[0]?.sent ?? [];
    expect(sent.map((topic) => [topic.topic, topic.records.map((record) => record.key)])).toEqual([
      ['events', ['u1']],
      ['table', ['u1', 'u2']],
      ['watermarks', ['s1']],
      ['state', ['s1/u1']],
    ]);
    // The table tombstone stays a tombstone; only the state records go to a fixed partition.
    expect(sent[1]?.records[1]?.value).toBeNull();
    expect(sent.flatMap((topic) => topic.records.map((record) => record.partition))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      5,
    ]);
    expect(seen.published).toBe(1);
  });

  it('sends each part only once Kafka acknowledged the one before', async () => {
    const gated = gatedCluster();
    const { publisher } = publisherWith([], { topics: withOutputs, cluster: gated.cluster });
    const publishing = publisher.publish(full);
    const order = ['events', 'table', 'watermarks', 'state'];
    for (const index of order.keys()) {
      await new Promise((resolve) => setImmediate(resolve));
      // This part is sent; nothing after it while it waits for its acknowledgement.
      expect(gated.sends.map((send) => send.topic)).toEqual(order.slice(0, index + 1));
      gated.sends[index]?.acknowledge();
    }
    await publishing;
    expect(gated.sends).toHaveLength(4);
  });

  it('sends no watermark and no state after the table records failed', async () => {
    const refused = new ConnectorError(ErrorCodes.KAFKA_REQUEST_FAILED, 'TOPIC_AUTHORIZATION_FAILED');
    const refusing = refusingCluster('table', refused);
    const { publisher, seen } = publisherWith([], { topics: withOutputs, cluster: refusing.cluster });
    await expect(publisher.publish(full)).rejects.toBe(refused);
    expect(refusing.sent).toEqual(['events', 'table']);
    expect(seen.published).toBe(0);
  });

  it('sends a batch of only a watermark as the watermark alone, with no state send', async () => {
    const { publisher, kafka } = publisherWith([undefined], { topics: withOutputs });
    await publisher.publish({ shard: 's1', events: [], state: [], watermarks: full.watermarks ?? [] });
    const sent = kafka.producers[0]?.sent ?? [];
    expect(sent.map((topic) => topic.topic)).toEqual(['watermarks']);
  });

  it('leaves out the table and watermark records when their topics are off', async () => {
    const { publisher, kafka } = publisherWith([undefined]);
    await publisher.publish(full);
    const sent = kafka.producers[0]?.sent ?? [];
    expect(sent.map((topic) => topic.topic)).toEqual(['events', 'state']);
  });
});

describe('IdempotentPublisher logging while Kafka fails', () => {
  it('warns once for a run of failed sends, without a stack, and says once that sends succeed again', async () => {
    const { logger, above } = capturingLogger();
    const down = retriable('Kafka send failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const { publisher, seen } = publisherWith([down, down, down, undefined], { logger });
    await publisher.publish(batch);
    expect(seen.sendErrors).toBe(3);
    expect(above(20).map((line) => [line['level'], line['msg'], line['topic']])).toEqual([
      [40, 'Kafka send failed; retrying with a new producer', 'events'],
      [30, 'Kafka sends succeed again', 'events'],
    ]);
    expect(above(20)[0]).toMatchObject({ error: down.message, code: 'SINK_UNAVAILABLE' });
    for (const line of above(20)) expect(JSON.stringify(line)).not.toContain('    at ');
  });
});
