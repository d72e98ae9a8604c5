import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { ConnectorError, ErrorCodes, isConnectorError, toError } from '../errors.js';
import { closeAfter, kafkaDebugLog } from './closing.js';
import { kafkaFailure } from './errors.js';
import type { PartitionRecord, ReadPartitionsOptions } from './types.js';

/** Where a partition's records begin (`low`, the log start) and end (`high`, the next offset to be written). */
export interface PartitionEnd {
  low: bigint;
  high: bigint;
}

/**
 * Reads chosen partitions of a topic with read_committed isolation up to the end they had when the read began.
 * kafkajs has no manual assignment, so this joins a throw-away consumer group (no offsets committed), pauses
 * the partitions it does not need and seeks the others.
 */
export async function readPartitions(kafka: Kafka, options: ReadPartitionsOptions): Promise<void> {
  try {
    await readPartitionsOnce(kafka, options);
  } catch (error) {
    throw kafkaFailure(error, { operation: `reading ${options.topic} failed` });
  }
}

/**
 * What a read has still to do, and every decision about it, apart from the consumer that fetches: which
 * partitions there is anything to read in, when one is read to its end, and how a failure ends the read.
 * Settles `finished` once, with the first outcome; whatever arrives after that is ignored.
 */
export class PartitionReadProgress {
  readonly finished: Promise<void>;
  private readonly pending = new Set<number>();
  private settle: (error?: Error) => void = () => undefined;
  private settled = false;

  /** @throws ConnectorError STATE_RESTORE_FAILED (not retriable) when a range names a partition the topic lacks. */
  constructor(
    private readonly options: Pick<ReadPartitionsOptions, 'topic' | 'ranges' | 'onRecords'>,
    private readonly ends: ReadonlyMap<number, PartitionEnd>,
  ) {
    for (const range of options.ranges) {
      const end = ends.get(range.partition);
      if (end === undefined) {
        throw new ConnectorError(
          ErrorCodes.STATE_RESTORE_FAILED,
          `partition ${range.partition} of ${options.topic} does not exist`,
          { details: { topic: options.topic, partition: range.partition } },
        );
      }
      const start = range.fromOffset === undefined ? end.low : BigInt(range.fromOffset);
      if (start < end.high) this.pending.add(range.partition);
    }
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Settled before anyone awaits it when the read fails while the consumer is still connecting.
    this.finished.catch(() => undefined);
    if (this.pending.size === 0) this.finish();
  }

  /** Partitions that still have records up to the end they had when the read began. */
  get pendingPartitions(): number[] {
    return [...this.pending];
  }

  /**
   * A batch of committed records: hands it to `onRecords`. A throw there (a record the caller cannot decode, a
   * bug) ends the read at once and for good: kafkajs would retry the batch and restart the consumer forever.
   */
  onBatch(partition: number, records: PartitionRecord[]): void {
    if (this.settled || !this.pending.has(partition)) return;
    let stop: boolean;
    try {
      stop = this.options.onRecords(partition, records);
    } catch (error) {
      this.finish(callbackFailure(this.options.topic, partition, records, error));
      return;
    }
    if (stop) this.markRead(partition);
  }

  /** kafkajs finished a batch whose last offset (control records included) is `lastOffset`. */
  onBatchEnd(partition: number, lastOffset: string): void {
    const end = this.ends.get(partition);
    if (end !== undefined && BigInt(lastOffset) >= end.high - 1n) this.markRead(partition);
  }

  /**
   * The consumer crashed. kafkajs restarts it after a failure it deems retriable, and the read goes on; one it
   * gives up on, or one no retry cures, ends the read, as retriable as the Kafka error mapping says it is.
   */
  onCrash(error: unknown, restart: boolean): void {
    const failure = kafkaFailure(error, { operation: `reading ${this.options.topic} failed` });
    const retriable = isConnectorError(failure) && failure.retriable;
    if (restart && retriable) return;
    this.finish(
      new ConnectorError(ErrorCodes.STATE_RESTORE_FAILED, failure.message, {
        cause: failure,
        retriable,
        details: { topic: this.options.topic },
      }),
    );
  }

  /** The read ran out of time: retriable, since a slow broker may be quicker next time. */
  onTimeout(timeoutMs: number): void {
    this.finish(
      new ConnectorError(
        ErrorCodes.STATE_RESTORE_FAILED,
        `reading ${this.options.topic} did not finish within ${timeoutMs} ms`,
        { retriable: true, details: { topic: this.options.topic } },
      ),
    );
  }

  private markRead(partition: number): void {
    this.pending.delete(partition);
    if (this.pending.size === 0) this.finish();
  }

  private finish(error?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(error);
  }
}

async function readPartitionsOnce(kafka: Kafka, options: ReadPartitionsOptions): Promise<void> {
  const ends = await partitionEnds(kafka, options.topic);
  const progress = new PartitionReadProgress(options, ends);
  if (progress.pendingPartitions.length === 0) return;

  const consumer = kafka.consumer({
    groupId: `${options.groupPrefix}.${randomUUID()}`,
    readUncommitted: false,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  const timer = setTimeout(() => progress.onTimeout(options.timeoutMs), options.timeoutMs);
  try {
    await closeAfter(
      async () => {
        await consumer.connect();
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
          progress.onBatchEnd(payload.partition, payload.lastOffset),
        );
        consumer.on(consumer.events.CRASH, ({ payload }) => progress.onCrash(payload.error, payload.restart));
        await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            progress.onBatch(
              batch.partition,
              batch.messages.map((message) => ({
                key: message.key?.toString('utf8') ?? '',
                value: message.value,
                offset: message.offset,
              })),
            );
          },
        });
        positionConsumer(consumer, options, ends);
        await progress.finished;
      },
      () => consumer.disconnect(),
      kafkaDebugLog(kafka),
      `the consumer reading ${options.topic}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pauses the partitions not asked for and seeks the others. kafkajs restarts a consumer whose group join failed
 * retriably (COORDINATOR_LOAD_IN_PROGRESS on a broker just started), and pause and seek throw while it has no
 * group: that read is retried with a new consumer, not given up.
 */
export function positionConsumer(
  consumer: Consumer,
  options: ReadPartitionsOptions,
  ends: Map<number, PartitionEnd>,
): void {
  try {
    const wanted = new Set(options.ranges.map((range) => range.partition));
    const unwanted = [...ends.keys()].filter((partition) => !wanted.has(partition));
    if (unwanted.length > 0) consumer.pause([{ topic: options.topic, partitions: unwanted }]);
    for (const range of options.ranges) {
      if (range.fromOffset !== undefined)
        consumer.seek({ topic: options.topic, partition: range.partition, offset: range.fromOffset });
    }
  } catch (error) {
    throw new ConnectorError(
      ErrorCodes.STATE_RESTORE_FAILED,
      `reading ${options.topic} failed: ${toError(error).message}`,
      { cause: error, retriable: true, details: { topic: options.topic } },
    );
  }
}

async function partitionEnds(kafka: Kafka, topic: string): Promise<Map<number, PartitionEnd>> {
  const admin = kafka.admin();
  await admin.connect();
  return closeAfter(
    async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((entry) => [entry.partition, { low: BigInt(entry.low), high: BigInt(entry.high) }]));
    },
    () => admin.disconnect(),
    kafkaDebugLog(kafka),
    `the admin reading the offsets of ${topic}`,
  );
}

/** Not retriable: the same records come back on every attempt, and the callback fails on them again. */
function callbackFailure(topic: string, partition: number, records: PartitionRecord[], error: unknown): ConnectorError {
  const cause = toError(error);
  const offset = records[0]?.offset;
  return new ConnectorError(
    ErrorCodes.STATE_RESTORE_FAILED,
    `reading ${topic} failed: a record of partition ${partition} at or after offset ${offset ?? '?'} could not be processed: ${cause.message}`,
    { cause, details: { topic, partition, offset, lastOffset: records.at(-1)?.offset } },
  );
}
