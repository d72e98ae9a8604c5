import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { IdempotentPublisher } from '../../src/sink/idempotent-publisher.js';
import type { ShardBatch } from '../../src/sink/types.js';
import { fast, FakeIdempotentCluster, retriable, silent } from './fakes.js';

const batch: ShardBatch = {
  shard: 's1',
  events: [{ key: 'u1', value: Buffer.from('event') }],
  state: [{ key: 's1/u1', value: Buffer.from('state') }],
};

function publisherWith(
  failures: Array<Error | undefined>,
  { closing = new AbortController(), onSendError }: { closing?: AbortController; onSendError?: () => void } = {},
) {
  const kafka = new FakeIdempotentCluster(failures);
  const seen = { sendErrors: 0, published: 0 };
  const publisher = new IdempotentPublisher({
    kafka,
    eventsTopic: 'events',
    stateTopic: 'state',
    statePartitionOf: () => 5,
    compression: 'none',
    retry: fast,
    closing: closing.signal,
    logger: silent,
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
});
