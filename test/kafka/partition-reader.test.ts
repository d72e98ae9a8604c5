import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError, type ConnectorError } from '../../src/errors.js';
import { PartitionReadProgress, positionConsumer, type PartitionEnd } from '../../src/kafka/partition-reader.js';
import type { PartitionRange, PartitionRecord } from '../../src/kafka/types.js';

const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;

const TOPIC = 'state';
/** Partition 0: records 0..9; 1: empty; 2: compacted away up to 5, records 5..7. */
const ENDS: ReadonlyMap<number, PartitionEnd> = new Map([
  [0, { low: 0n, high: 10n }],
  [1, { low: 0n, high: 0n }],
  [2, { low: 5n, high: 8n }],
]);

function progressOf(
  ranges: PartitionRange[],
  onRecords: (partition: number, records: PartitionRecord[]) => boolean = () => false,
): PartitionReadProgress {
  return new PartitionReadProgress({ topic: TOPIC, ranges, onRecords }, ENDS);
}

const record = (offset: number): PartitionRecord => ({
  key: `k${offset}`,
  value: Buffer.from('v'),
  offset: String(offset),
});

/** How `finished` stands right now, without waiting for it. */
async function outcome(progress: PartitionReadProgress): Promise<'pending' | 'done' | Error> {
  return Promise.race([
    progress.finished.then(
      () => 'done' as const,
      (error: unknown) => error as Error,
    ),
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ]);
}

describe('PartitionReadProgress: where a read starts and ends', () => {
  it('reads a partition from its log start when no offset is given, and skips an empty one', () => {
    const progress = progressOf([{ partition: 0 }, { partition: 1 }, { partition: 2 }]);
    expect(progress.pendingPartitions.sort()).toEqual([0, 2]);
  });

  it('has nothing to read from an offset at or past the end', async () => {
    const progress = progressOf([
      { partition: 0, fromOffset: '10' },
      { partition: 2, fromOffset: '12' },
    ]);
    expect(progress.pendingPartitions).toEqual([]);
    expect(await outcome(progress)).toBe('done');
  });

  it('reads from an offset below the end', () => {
    expect(progressOf([{ partition: 0, fromOffset: '9' }]).pendingPartitions).toEqual([0]);
  });

  it('compares offsets as 64-bit numbers, not as strings', () => {
    const ends = new Map([[0, { low: 0n, high: 9_007_199_254_740_993n }]]);
    const progress = new PartitionReadProgress(
      { topic: TOPIC, ranges: [{ partition: 0, fromOffset: '9007199254740992' }], onRecords: () => false },
      ends,
    );
    expect(progress.pendingPartitions).toEqual([0]);
  });

  it('refuses a partition the topic does not have, not retriable', () => {
    let thrown: unknown;
    try {
      progressOf([{ partition: 7 }]);
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, ErrorCodes.STATE_RESTORE_FAILED)).toBe(true);
    expect(thrown).toMatchObject({ retriable: false, message: 'partition 7 of state does not exist' });
  });

  it('finishes once every partition reached the end it had when the read began', async () => {
    const progress = progressOf([{ partition: 0 }, { partition: 2 }]);
    progress.onBatchEnd(0, '8');
    expect(await outcome(progress)).toBe('pending');
    // The last offset kafkajs reports counts control records (commit markers): 9 is the end of partition 0.
    progress.onBatchEnd(0, '9');
    expect(await outcome(progress)).toBe('pending');
    progress.onBatchEnd(2, '7');
    expect(await outcome(progress)).toBe('done');
  });

  it('finishes a partition early when onRecords says so', async () => {
    const seen: number[] = [];
    const progress = progressOf([{ partition: 0 }], (partition, records) => {
      seen.push(partition, records.length);
      return true;
    });
    progress.onBatch(0, [record(0), record(1)]);
    expect(seen).toEqual([0, 2]);
    expect(await outcome(progress)).toBe('done');
  });

  it('hands over only batches of the partitions still being read', () => {
    const seen: number[] = [];
    const progress = progressOf([{ partition: 0 }], (partition) => {
      seen.push(partition);
      return false;
    });
    progress.onBatch(2, [record(5)]);
    progress.onBatch(0, [record(0)]);
    progress.onBatchEnd(0, '9');
    progress.onBatch(0, [record(9)]);
    expect(seen).toEqual([0]);
  });
});

describe('PartitionReadProgress: failures', () => {
  it('ends the read at once, not retriable, when onRecords throws, keeping the cause, partition and offsets', async () => {
    const cause = new RangeError('truncated buffer');
    let calls = 0;
    const progress = progressOf([{ partition: 0 }, { partition: 2 }], () => {
      calls++;
      throw cause;
    });
    progress.onBatch(2, [record(5), record(6)]);
    const error = await outcome(progress);
    expect(isConnectorError(error, ErrorCodes.STATE_RESTORE_FAILED)).toBe(true);
    expect(error).toMatchObject({
      retriable: false,
      cause,
      details: { topic: TOPIC, partition: 2, offset: '5', lastOffset: '6' },
    });
    expect((error as Error).message).toMatch(
      /partition 2 at or after offset 5 could not be processed: truncated buffer/,
    );
    // A batch kafkajs still delivers before the consumer is gone is not handed over again.
    progress.onBatch(0, [record(0)]);
    expect(calls).toBe(1);
  });

  it('ignores a crash that kafkajs restarts from when the failure is retriable', async () => {
    const progress = progressOf([{ partition: 0 }]);
    progress.onCrash(new KafkaJSConnectionError('Connection timeout'), true);
    expect(await outcome(progress)).toBe('pending');
  });

  it('ends the read on a crash kafkajs gives up on, retriable as the Kafka error mapping says', async () => {
    const retriable = progressOf([{ partition: 0 }]);
    retriable.onCrash(new KafkaJSConnectionError('Connection timeout'), false);
    expect(await outcome(retriable)).toMatchObject({ code: ErrorCodes.STATE_RESTORE_FAILED, retriable: true });

    const refused = progressOf([{ partition: 0 }]);
    refused.onCrash(
      new KafkaJSProtocolError(
        Object.assign(new Error('Not authorized to access topics'), {
          type: 'TOPIC_AUTHORIZATION_FAILED',
          code: 29,
          retriable: false,
        }),
      ),
      false,
    );
    const error = await outcome(refused);
    expect(error).toMatchObject({ code: ErrorCodes.STATE_RESTORE_FAILED, retriable: false });
    expect((error as ConnectorError).cause).toMatchObject({ details: { kafkaError: 'TOPIC_AUTHORIZATION_FAILED' } });
  });

  it('ends the read on a crash kafkajs restarts from when no retry cures it (a bug kafkajs retried)', async () => {
    const progress = progressOf([{ partition: 0 }]);
    const bug = new TypeError('x is not a function');
    progress.onCrash(new KafkaJSNumberOfRetriesExceeded(bug, { retryCount: 5, retryTime: 1000 }), true);
    expect(await outcome(progress)).toMatchObject({ code: ErrorCodes.STATE_RESTORE_FAILED, retriable: false });
  });

  it('fails retriably when the read runs out of time, and only the first outcome counts', async () => {
    const progress = progressOf([{ partition: 0 }]);
    progress.onTimeout(60_000);
    progress.onBatchEnd(0, '9');
    expect(await outcome(progress)).toMatchObject({
      code: ErrorCodes.STATE_RESTORE_FAILED,
      retriable: true,
      message: 'reading state did not finish within 60000 ms',
    });
  });
});

describe('positionConsumer', () => {
  const options = {
    topic: TOPIC,
    ranges: [{ partition: 0, fromOffset: '4' }, { partition: 2 }],
    onRecords: () => false,
    timeoutMs: 1_000,
    groupPrefix: 'g',
  };

  it('pauses the partitions not asked for and seeks those asked from an offset', () => {
    const calls: unknown[] = [];
    const consumer = {
      pause: (topics: unknown) => void calls.push(['pause', topics]),
      seek: (position: unknown) => void calls.push(['seek', position]),
    } as unknown as kafkajs.Consumer;
    positionConsumer(consumer, options, new Map(ENDS));
    expect(calls).toEqual([
      ['pause', [{ topic: TOPIC, partitions: [1] }]],
      ['seek', { topic: TOPIC, partition: 0, offset: '4' }],
    ]);
  });

  it('makes a consumer without a group (kafkajs restarting it after a coordinator still loading) retriable', () => {
    const consumer = {
      pause: () => {
        throw new Error('Consumer group was not initialized, consumer#run must be called first');
      },
      seek: () => undefined,
    } as unknown as kafkajs.Consumer;
    let failure: unknown;
    try {
      positionConsumer(consumer, options, new Map(ENDS));
    } catch (error) {
      failure = error;
    }
    expect(isConnectorError(failure, ErrorCodes.STATE_RESTORE_FAILED)).toBe(true);
    expect((failure as ConnectorError).retriable).toBe(true);
    expect(String(failure)).toContain('consumer#run must be called first');
  });
});
