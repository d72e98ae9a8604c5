import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { TransactionalPublisher, type TransactionalPublisherOptions } from '../../src/sink/transactional-publisher.js';
import type { ShardBatch, SinkObserver } from '../../src/sink/types.js';
import { fast, FakeTransactionalCluster, fenced, retriable, silent, type TransactionScript } from './fakes.js';

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

function publisherWith(
  scripts: TransactionScript[],
  { closing = new AbortController(), onSendError }: { closing?: AbortController; onSendError?: () => void } = {},
) {
  const kafka = new FakeTransactionalCluster(scripts);
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
    shard: 's1',
    transactionalId: 'connector-s1',
    eventsTopic: 'events',
    stateTopic: 'state',
    statePartition: 3,
    compression: 'gzip',
    transactionTimeoutMs: 60_000,
    maxRecordsPerTransaction: 1000,
    retry: fast,
    closing: closing.signal,
    logger: silent,
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

  it('initialises the transactional id at open(), before any batch', async () => {
    const { publisher, kafka } = publisherWith([{}]);
    await publisher.open();
    expect(kafka.producers).toHaveLength(1);
    expect(kafka.attempts).toBe(0);
    await publisher.close();
    expect(kafka.producers[0]?.disconnected).toBe(true);
  });
});
