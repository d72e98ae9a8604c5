import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { TransactionalPublisher, type TransactionalPublisherOptions } from '../../src/sink/transactional-publisher.js';
import type { OutputTopics, ShardBatch, SinkObserver } from '../../src/sink/types.js';
import type { KafkaTransaction, TopicBatch } from '../../src/kafka/index.js';
import { KafkaFailureLog } from '../../src/sink/kafka-failure-log.js';
import {
  capturingLogger,
  fast,
  FakeTransactionalCluster,
  fenced,
  retriable,
  silent,
  type TransactionScript,
} from './fakes.js';

const batch: ShardBatch = {
  shard: 's1',
  events: [{ key: 'u1', value: Buffer.from('event') }],
  state: [{ key: 's1/u1', value: Buffer.from('state') }],
};

interface Seen {
  transactions: string[];
  sendErrors: number;
  fenced: number;
  published: number;
}

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

const watermarkOnly: ShardBatch = {
  shard: 's1',
  events: [],
  state: [],
  watermarks: [{ key: 's1', value: Buffer.from('watermark') }],
};

const withOutputs: Partial<OutputTopics> = { tableTopic: 'table', watermarkTopic: 'watermarks' };

/** The topics of one transaction's send, with the keys each got (empty topic batches left out). */
function topicsOf(sent: readonly TopicBatch[] | undefined): Array<[string, Array<string | null>]> {
  return (sent ?? [])
    .filter((topic) => topic.records.length > 0)
    .map((topic) => [topic.topic, topic.records.map((record) => (record.value === null ? null : record.key))]);
}

/**
 * As kafkajs answers a transactional send: no written entry for a topic batch without records (it sends no
 * produce request for it), where the shared fake answers one for every batch.
 */
function answeringLikeKafkajs(kafka: FakeTransactionalCluster): FakeTransactionalCluster {
  const produce = kafka.transactionalProducer.bind(kafka);
  kafka.transactionalProducer = async () => {
    const producer = await produce();
    const begin = producer.begin.bind(producer);
    return Object.assign(producer, {
      begin: async (): Promise<KafkaTransaction> => {
        const transaction = await begin();
        return {
          ...transaction,
          send: async (batches) => {
            const written = await transaction.send(batches);
            const nonEmpty = new Set(batches.filter((batch) => batch.records.length > 0).map((batch) => batch.topic));
            return written.filter((entry) => nonEmpty.has(entry.topic));
          },
        };
      },
    });
  };
  return kafka;
}

function publisherWith(
  scripts: TransactionScript[],
  {
    closing = new AbortController(),
    onSendError,
    topics = {},
    kafka = new FakeTransactionalCluster(scripts),
    shard = 's1',
    logger = silent,
    failures,
  }: {
    closing?: AbortController;
    onSendError?: () => void;
    topics?: Partial<OutputTopics>;
    kafka?: FakeTransactionalCluster;
    shard?: string;
    logger?: TransactionalPublisherOptions['logger'];
    failures?: KafkaFailureLog;
  } = {},
) {
  const seen: Seen = { transactions: [], sendErrors: 0, fenced: 0, published: 0 };
  const observer: SinkObserver = {
    onTransaction: ({ outcome }) => void seen.transactions.push(outcome),
    onSendError: () => {
      seen.sendErrors++;
      onSendError?.();
    },
    onFenced: () => {
      seen.fenced++;
    },
    onPublished: () => {
      seen.published++;
    },
  };
  const options: TransactionalPublisherOptions = {
    kafka,
    shard,
    transactionalId: `connector-${shard}`,
    eventsTopic: 'events',
    ...topics,
    stateTopic: 'state',
    statePartition: 3,
    compression: 'gzip',
    transactionTimeoutMs: 60_000,
    maxRecordsPerTransaction: 1000,
    retry: fast,
    closing: closing.signal,
    logger,
    ...(failures === undefined ? {} : { failures }),
    observer,
  };
  return { publisher: new TransactionalPublisher(options), kafka, seen };
}

describe('TransactionalPublisher', () => {
  it('commits the events and the state records, on the shard state partition, in one transaction', async () => {
    const { publisher, kafka, seen } = publisherWith([{}]);
    await publisher.publish(batch);
    const [sent] = kafka.producers[0]?.sent ?? [];
    expect(sent?.map((topic) => topic.topic)).toEqual(['events', 'state']);
    expect(sent?.[1]?.records.map((record) => record.partition)).toEqual([3]);
    expect(kafka.producers[0]?.committed).toBe(1);
    expect(seen.transactions).toEqual(['committed']);
    expect(seen.published).toBe(1);
  });

  it('does not replay a batch whose commit failed but took effect', async () => {
    const { publisher, kafka, seen } = publisherWith([{ commit: retriable('connection lost during commit') }, {}]);
    // The first producer's state record went to offset 100; the check finds it visible.
    kafka.visibleStateOffset = '100';
    await publisher.publish(batch);
    expect(kafka.attempts).toBe(1);
    expect(kafka.reads[0]?.ranges).toEqual([{ partition: 3, fromOffset: '100' }]);
    // The failed producer was replaced by one that settled the old transaction.
    expect(kafka.producers).toHaveLength(2);
    expect(kafka.producers[0]?.disconnected).toBe(true);
    expect(seen.transactions).toEqual(['committed']);
    expect(seen.sendErrors).toBe(0);
  });

  it('replays a batch with a new producer when the failed commit did not take effect', async () => {
    const { publisher, kafka, seen } = publisherWith([{ commit: retriable() }, {}]);
    kafka.visibleStateOffset = undefined;
    await publisher.publish(batch);
    expect(kafka.attempts).toBe(2);
    expect(kafka.producers.at(-1)?.committed).toBe(1);
    expect(seen.sendErrors).toBe(1);
    expect(seen.transactions).toEqual(['committed']);
  });

  it('aborts, discards the producer and replays the batch with a new one after a retriable send failure', async () => {
    const { publisher, kafka, seen } = publisherWith([{ send: retriable() }, {}]);
    await publisher.publish(batch);
    expect(kafka.producers).toHaveLength(2);
    expect(kafka.producers[0]?.aborted).toBe(1);
    expect(kafka.producers[0]?.disconnected).toBe(true);
    expect(kafka.producers[1]?.committed).toBe(1);
    expect(seen.transactions).toEqual(['aborted', 'committed']);
    expect(seen.sendErrors).toBe(1);
  });

  it('stops at SINK_FENCED without a retry, and refuses every later batch of the shard', async () => {
    const { publisher, kafka, seen } = publisherWith([{ commit: fenced() }, {}]);
    const rejected = publisher.publish(batch);
    await expect(rejected).rejects.toMatchObject({ code: ErrorCodes.SINK_FENCED });
    await expect(rejected).rejects.toThrow(/took over shard "s1"/);
    expect(kafka.attempts).toBe(1);
    expect(kafka.reads).toHaveLength(0);
    expect(kafka.producers[0]?.disconnected).toBe(true);
    expect(seen.fenced).toBe(1);
    expect(seen.sendErrors).toBe(0);
    await expect(publisher.publish(batch)).rejects.toMatchObject({ code: ErrorCodes.SINK_FENCED });
    expect(kafka.attempts).toBe(1);
  });

  it('surfaces a non-retriable failure at once, unchanged', async () => {
    const refused = new ConnectorError(ErrorCodes.KAFKA_REQUEST_FAILED, 'TOPIC_AUTHORIZATION_FAILED');
    const { publisher, kafka, seen } = publisherWith([{ send: refused }, {}]);
    await expect(publisher.publish(batch)).rejects.toBe(refused);
    expect(kafka.attempts).toBe(1);
    expect(kafka.producers[0]?.disconnected).toBe(true);
    expect(seen.sendErrors).toBe(0);
  });

  it('surfaces an error that is not a Kafka failure (a bug) at once instead of looping on it', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    const { publisher, kafka } = publisherWith([{ send: bug }, {}]);
    await expect(publisher.publish(batch)).rejects.toBe(bug);
    expect(kafka.attempts).toBe(1);
  });

  it('rejects with SINK_CLOSED, the Kafka failure as its cause, when the sink closes during the backoff', async () => {
    const failure = retriable();
    const closing = new AbortController();
    // Close as the first retry is announced, that is before its wait.
    const { publisher, kafka } = publisherWith([{ send: failure }], { closing, onSendError: () => closing.abort() });
    const rejected = publisher.publish(batch);
    await expect(rejected).rejects.toMatchObject({ code: ErrorCodes.SINK_CLOSED, cause: failure });
    expect(kafka.attempts).toBe(1);
  });

  it('commits events, table records, watermarks and state in one transaction, in that order', async () => {
    const { publisher, kafka, seen } = publisherWith([{}], { topics: withOutputs });
    await publisher.publish(full);
    expect(kafka.attempts).toBe(1);
    const [sent] = kafka.producers[0]?.sent ?? [];
    expect(topicsOf(sent)).toEqual([
      ['events', ['u1']],
      ['table', ['u1', null]],
      ['watermarks', ['s1']],
      ['state', ['s1/u1']],
    ]);
    // Only the state records go to a fixed partition; the rest are partitioned by key.
    expect(sent?.flatMap((topic) => topic.records.map((record) => record.partition))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      3,
    ]);
    expect(kafka.producers[0]?.committed).toBe(1);
    expect(seen.transactions).toEqual(['committed']);
  });

  it('leaves out the table and watermark records of a batch when their topics are off', async () => {
    const { publisher, kafka } = publisherWith([{}]);
    await publisher.publish(full);
    expect(topicsOf(kafka.producers[0]?.sent[0])).toEqual([
      ['events', ['u1']],
      ['state', ['s1/u1']],
    ]);
  });

  it('commits a batch of only a watermark, with no state record in it', async () => {
    const { publisher, kafka, seen } = publisherWith([{}], { topics: withOutputs });
    await publisher.publish(watermarkOnly);
    expect(topicsOf(kafka.producers[0]?.sent[0])).toEqual([['watermarks', ['s1']]]);
    expect(kafka.producers[0]?.committed).toBe(1);
    expect(seen.transactions).toEqual(['committed']);
  });

  it('replays a lone watermark whose commit outcome is unknown: it has no state record to check', async () => {
    const kafka = answeringLikeKafkajs(new FakeTransactionalCluster([{ commit: retriable() }, {}]));
    const { publisher, seen } = publisherWith([], { topics: withOutputs, kafka });
    // Something is visible at the first producer's offset: a check against it would wrongly skip the replay.
    kafka.visibleStateOffset = '100';
    await publisher.publish(watermarkOnly);
    expect(kafka.reads).toHaveLength(0);
    expect(kafka.attempts).toBe(2);
    expect(topicsOf(kafka.producers.at(-1)?.sent[0])).toEqual([['watermarks', ['s1']]]);
    expect(kafka.producers.at(-1)?.committed).toBe(1);
    expect(seen.transactions).toEqual(['committed']);
  });

  it('still checks the state record of a batch with table and watermark records after a failed commit', async () => {
    const kafka = answeringLikeKafkajs(new FakeTransactionalCluster([{ commit: retriable() }, {}]));
    const { publisher } = publisherWith([], { topics: withOutputs, kafka });
    kafka.visibleStateOffset = '100';
    await publisher.publish(full);
    expect(kafka.reads[0]?.ranges).toEqual([{ partition: 3, fromOffset: '100' }]);
    expect(kafka.attempts).toBe(1);
  });

  it('puts a watermark queued behind a batch into the same transaction, after its events', async () => {
    const { publisher, kafka } = publisherWith([{}], { topics: withOutputs });
    const first = publisher.publish(batch);
    // Queued while the first transaction runs: committed together in the next one.
    const second = publisher.publish({ ...batch, table: [{ key: 'u1', value: Buffer.from('table') }] });
    const third = publisher.publish(watermarkOnly);
    await Promise.all([first, second, third]);
    const sent = kafka.producers[0]?.sent ?? [];
    expect(sent).toHaveLength(2);
    expect(topicsOf(sent[1])).toEqual([
      ['events', ['u1']],
      ['table', ['u1']],
      ['watermarks', ['s1']],
      ['state', ['s1/u1']],
    ]);
    expect(kafka.producers[0]?.committed).toBe(2);
  });

  it('initialises the transactional id at open(), before any batch', async () => {
    const { publisher, kafka } = publisherWith([{}]);
    await publisher.open();
    expect(kafka.producers).toHaveLength(1);
    expect(kafka.attempts).toBe(0);
    await publisher.close();
    expect(kafka.producers[0]?.disconnected).toBe(true);
  });
});

describe('TransactionalPublisher logging while Kafka fails', () => {
  const down = () => retriable('Kafka transaction failed: Connection error: connect ECONNREFUSED 127.0.0.1:9092');

  it('warns once for a run of failed attempts, without a stack, and says once that commits work again', async () => {
    const { logger, lines, above } = capturingLogger();
    const { publisher, seen } = publisherWith([{ send: down() }, { send: down() }, { send: down() }, {}], {
      logger,
    });
    await publisher.publish(batch);
    expect(seen.sendErrors).toBe(3);
    expect(above(20).map((line) => [line['level'], line['msg']])).toEqual([
      [40, 'Kafka transaction failed; replaying the batch with a new producer'],
      [30, 'Kafka transactions commit again'],
    ]);
    expect(above(20)[0]).toMatchObject({ shard: 's1', attempt: 1, error: down().message });
    expect(above(20)[1]).toMatchObject({ shard: 's1', failedAttempts: 3 });
    for (const line of above(20)) expect(JSON.stringify(line)).not.toContain('    at ');
    // Every attempt is still there at debug, with its stack.
    const debug = lines.filter(
      (line) => line['msg'] === 'Kafka transaction failed; replaying the batch with a new producer',
    );
    expect(debug.filter((line) => line['level'] === 20)).toHaveLength(3);
  });

  it('shares one warning among the shards that fail for the same cause', async () => {
    const { logger, above } = capturingLogger();
    const failures = new KafkaFailureLog(logger);
    const scripts = [{ send: down() }, { send: down() }, {}];
    const shards = ['s1', 's2', 's3'].map((shard) => publisherWith(scripts, { shard, logger, failures }));
    await Promise.all(shards.map(({ publisher }) => publisher.publish({ ...batch, shard: 's1' })));
    expect(shards.map(({ seen }) => seen.sendErrors)).toEqual([2, 2, 2]);
    expect(above(20).map((line) => line['level'])).toEqual([40, 30]);
  });
});
