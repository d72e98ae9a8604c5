/**
 * Sees the connector's events the way a `read_committed` consumer does, and times when each became readable.
 * A kafkajs consumer (isolation READ_COMMITTED, 100 ms fetch wait) stamps every fetched batch with the wall
 * clock; its own delay is measured beside it by a probe: a transactional producer commits one record every
 * `probeIntervalMs` to a probe topic the same consumer reads, and (seen - commit returned) of the probes bounds
 * how late the consumer sees a committed record.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Producer } from 'kafkajs';
import { createPresenceEventCodec } from '../../src/events/index.js';
import { wallClockMs } from '../../src/simulator/change-stamps.js';
import { benchKafka, transactionalProducer } from './kafka.js';
import { retrying } from './retrying.js';

export interface CommittedEvents {
  /** The digits of each event's sequence number (NaN when it has none). */
  sequence: number[];
  userId: string[];
  /** The event's observedAt: when the worker read the presence from Graph (its Date.now()). */
  observedAt: number[];
  /** When the consumer got the batch holding it (wall clock, ms). */
  seenAt: number[];
}

export interface CommitWatcher {
  readonly events: CommittedEvents;
  /** Per probe: seen by the consumer minus its producer's commit returning (ms). */
  readonly probeLagsMs: number[];
  /** Why the probe stopped early, if it did (its lags then end there). */
  readonly probeError: () => string | null;
  stop(): Promise<void>;
}

export interface CommitWatcherOptions {
  brokers: string[];
  topic: string;
  probeIntervalMs: number;
  /** Gives up when the consumer has not seen its first probe by then. */
  readyTimeoutMs?: number;
}

/** Digits after the letter of a simulator sequence number (`C0129312363` -> 129312363). */
export function sequenceValue(sequenceNumber: string | null): number {
  return sequenceNumber === null ? Number.NaN : Number(sequenceNumber.slice(1));
}

export async function watchCommitted(options: CommitWatcherOptions): Promise<CommitWatcher> {
  const kafka = benchKafka(options.brokers, 'bench-freshness');
  const probeTopic = `${options.topic}.probe-${randomBytes(3).toString('hex')}`;
  await retrying('creating the probe topic', 5, async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: probeTopic, numPartitions: 1 }] });
    } finally {
      await admin.disconnect();
    }
  });
  const codec = createPresenceEventCodec();
  const events: CommittedEvents = { sequence: [], userId: [], observedAt: [], seenAt: [] };
  const committedAt = new Map<number, number>();
  const probeLagsMs: number[] = [];
  let firstProbe: () => void = () => undefined;
  const probeSeen = new Promise<void>((resolve) => (firstProbe = resolve));
  const consumer: Consumer = kafka.consumer({
    groupId: `bench-freshness-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    minBytes: 1,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topic, probeTopic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const seenAt = wallClockMs();
      for (const message of batch.messages) {
        if (message.value === null) continue;
        if (batch.topic === probeTopic) {
          const returned = committedAt.get(Number(message.value.toString()));
          if (returned !== undefined) probeLagsMs.push(seenAt - returned);
          firstProbe();
          continue;
        }
        const event = codec.decode(message.value);
        events.sequence.push(sequenceValue(event.sequenceNumber));
        events.userId.push(event.userId);
        events.observedAt.push(event.observedAt);
        events.seenAt.push(seenAt);
      }
    },
  });
  const producer: Producer = await transactionalProducer(kafka, `${probeTopic}-producer`);
  let stopping = false;
  let probeError: string | null = null;
  const probing = (async () => {
    for (let id = 0; !stopping; id++) {
      const transaction = await producer.transaction();
      await transaction.send({ topic: probeTopic, acks: -1, messages: [{ value: String(id) }] });
      await transaction.commit();
      committedAt.set(id, wallClockMs());
      await new Promise((resolve) => setTimeout(resolve, options.probeIntervalMs));
    }
  })().catch((error: unknown) => {
    probeError = String(error);
  });
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    stopping = true;
    await probing;
    await producer.disconnect();
    await consumer.disconnect();
  };
  try {
    await Promise.race([
      probeSeen,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the consumer saw no probe within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { events, probeLagsMs, probeError: () => probeError, stop };
}
