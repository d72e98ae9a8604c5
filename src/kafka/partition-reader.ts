import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { kafkaFailure } from './errors.js';
import type { ReadPartitionsOptions } from './types.js';

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

async function readPartitionsOnce(kafka: Kafka, options: ReadPartitionsOptions): Promise<void> {
  const ends = await partitionEnds(kafka, options.topic);
  const pending = new Set<number>();
  for (const range of options.ranges) {
    const end = ends.get(range.partition);
    if (end === undefined) throw restoreError(`partition ${range.partition} of ${options.topic} does not exist`);
    const start = range.fromOffset === undefined ? end.low : BigInt(range.fromOffset);
    if (start < end.high) pending.add(range.partition);
  }
  if (pending.size === 0) return;

  const consumer = kafka.consumer({
    groupId: `${options.groupPrefix}.${randomUUID()}`,
    readUncommitted: false,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  let finish: (error?: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error === undefined ? resolve() : reject(error));
  });
  const markRead = (partition: number) => {
    pending.delete(partition);
    if (pending.size === 0) finish();
  };
  const timer = setTimeout(
    () => finish(restoreError(`reading ${options.topic} did not finish within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  try {
    await consumer.connect();
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = ends.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) >= end.high - 1n) markRead(payload.partition);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) finish(restoreError(`reading ${options.topic} failed`, payload.error));
    });
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (!pending.has(batch.partition)) return;
        const records = batch.messages.map((message) => ({
          key: message.key?.toString('utf8') ?? '',
          value: message.value,
          offset: message.offset,
        }));
        if (options.onRecords(batch.partition, records)) markRead(batch.partition);
      },
    });
    const wanted = new Set(options.ranges.map((range) => range.partition));
    const unwanted = [...ends.keys()].filter((partition) => !wanted.has(partition));
    if (unwanted.length > 0) consumer.pause([{ topic: options.topic, partitions: unwanted }]);
    for (const range of options.ranges) {
      if (range.fromOffset !== undefined)
        consumer.seek({ topic: options.topic, partition: range.partition, offset: range.fromOffset });
    }
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

async function partitionEnds(kafka: Kafka, topic: string): Promise<Map<number, { low: bigint; high: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((entry) => [entry.partition, { low: BigInt(entry.low), high: BigInt(entry.high) }]));
  } finally {
    await admin.disconnect();
  }
}

function restoreError(message: string, cause?: unknown): ConnectorError {
  return new ConnectorError(ErrorCodes.STATE_RESTORE_FAILED, message, {
    retriable: true,
    ...(cause === undefined ? {} : { cause: toError(cause) }),
  });
}
