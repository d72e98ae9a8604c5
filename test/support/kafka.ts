/**
 * Small helpers for tests that talk to the Kafka broker provided by test/global-setup.ts.
 * Generic on purpose: they read and write bytes, and know nothing of the connector's event format.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type IHeaders, type KafkaConfig } from 'kafkajs';
import { inject } from 'vitest';
import { toError } from '../../src/errors.js';
import type { KafkaSource } from '../global-setup.js';

export type { KafkaSource };

/** Bootstrap addresses of the broker shared by the whole run. */
export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/** Where the shared broker came from: env KAFKA_BROKERS, testcontainers, or local Maven jars. */
export function kafkaSource(): KafkaSource {
  return inject('kafkaSource');
}

/**
 * A topic name no other test (or earlier run against the same broker) uses, so tests need no cleanup and
 * can run in parallel. Kafka allows [a-zA-Z0-9._-] up to 249 characters.
 */
export function uniqueTopic(prefix = 'test'): string {
  const safePrefix = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 180);
  return `${safePrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

const logLevels: Record<string, logLevel> = {
  NOTHING: logLevel.NOTHING,
  ERROR: logLevel.ERROR,
  WARN: logLevel.WARN,
  INFO: logLevel.INFO,
  DEBUG: logLevel.DEBUG,
};

/**
 * A kafkajs client for the shared broker. Silent unless env KAFKAJS_LOG_LEVEL (ERROR, WARN, INFO, DEBUG) is set:
 * kafkajs logs every expected rebalance and reconnect at ERROR, which buries real test failures.
 */
export function testKafka(config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'test',
    logLevel: logLevels[(process.env['KAFKAJS_LOG_LEVEL'] ?? 'NOTHING').toUpperCase()] ?? logLevel.NOTHING,
    ...config,
    brokers: config.brokers ?? kafkaBrokers(),
  });
}

export interface CreateTopicOptions {
  numPartitions?: number;
  /** Topic configs, e.g. { 'cleanup.policy': 'compact' }. */
  config?: Record<string, string>;
  /** Default: the shared broker. */
  brokers?: string[];
}

/**
 * Creates a topic (replication factor 1) and waits until every partition has a leader. On a busy broker the wait
 * inside createTopics can end in UNKNOWN_TOPIC_OR_PARTITION before the topic settles (seen in fresh-clone CI runs):
 * the set-up then asks again, up to 10 s, rather than failing the test it prepares.
 */
export async function createTopic(topic: string, options: CreateTopicOptions = {}): Promise<void> {
  const admin = testKafka({ brokers: options.brokers ?? kafkaBrokers() }).admin();
  const numPartitions = options.numPartitions ?? 1;
  await admin.connect();
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic,
              numPartitions,
              replicationFactor: 1,
              configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value })),
            },
          ],
        });
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = topics[0]?.partitions ?? [];
        if (partitions.length === numPartitions && partitions.every((partition) => partition.leader >= 0)) return;
      } catch (error) {
        if (!String(error).includes('does not host this topic-partition')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition within 10 s`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Every header value, in order; a name sent twice has two entries. */
  headers: Record<string, Buffer[]>;
}

export interface ReadMessagesOptions {
  /** Stop as soon as this many messages were read (an error if they do not all come within timeoutMs). */
  count?: number;
  /** Stop when no message came for this long after the consumer joined. Default 1500 ms when count is not set. */
  idleMs?: number;
  /** Give up (with an error saying what did arrive) after this long. Default 30 s. */
  timeoutMs?: number;
  /** true (default, as kafkajs and most consumers): skip aborted and still-open transactions. */
  readCommitted?: boolean;
  /** Default: the shared broker. */
  brokers?: string[];
  /** Default: a fresh group, so the topic is read from its beginning whatever other readers did. */
  groupId?: string;
}

function normalizeHeaders(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const result: Record<string, Buffer[]> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    result[name] = values.map((value) => (typeof value === 'string' ? Buffer.from(value) : value));
  }
  return result;
}

/**
 * Reads a topic from its beginning with a fresh consumer group: until `count` messages arrived, or until it was
 * idle for `idleMs`. Messages come in the order received (ordered within a partition, interleaved across them).
 */
export async function readMessages(topic: string, options: ReadMessagesOptions = {}): Promise<ReadMessage[]> {
  const { count } = options;
  const idleMs = options.idleMs ?? (count === undefined ? 1_500 : undefined);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const groupId = options.groupId ?? `read-${topic}-${randomBytes(4).toString('hex')}`.slice(0, 240);
  const consumer = testKafka({ brokers: options.brokers ?? kafkaBrokers() }).consumer({
    groupId,
    readUncommitted: options.readCommitted === false,
    // Short fetch waits make stop() quick and idle detection accurate; data is still returned as soon as it arrives.
    maxWaitTimeInMs: 250,
  });
  const messages: ReadMessage[] = [];
  let idleTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let settle: (error?: Error) => void = () => {};
  const finished = new Promise<void>((resolveFinished, rejectFinished) => {
    let settled = false;
    settle = (error) => {
      if (settled) return;
      settled = true;
      if (error === undefined) resolveFinished();
      else rejectFinished(error);
    };
  });
  const armIdle = (): void => {
    if (idleMs === undefined) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => settle(), idleMs);
  };

  await consumer.connect();
  try {
    // The idle clock starts only once partitions are assigned: a group join alone can take seconds.
    consumer.on(consumer.events.GROUP_JOIN, armIdle);
    // kafkajs reports retriable failures (e.g. COORDINATOR_LOAD_IN_PROGRESS just after a broker restart) as a
    // crash and then restarts the consumer by itself; only a crash it will not recover from ends the read.
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) settle(toError(event.payload.error));
    });
    timeoutTimer = setTimeout(() => {
      settle(
        new Error(
          `readMessages(${topic}): ${messages.length} message(s) after ${timeoutMs} ms` +
            (count === undefined ? ', and the topic never went idle' : `, expected ${count}`),
        ),
      );
    }, timeoutMs);
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: from, partition, message }) => {
        if (count !== undefined && messages.length >= count) return;
        messages.push({
          topic: from,
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key,
          value: message.value,
          headers: normalizeHeaders(message.headers),
        });
        if (count !== undefined && messages.length >= count) settle();
        else armIdle();
      },
    });
    await finished;
    return messages;
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(timeoutTimer);
    await consumer.disconnect();
  }
}

/** The first value of a header as UTF-8 text, or undefined when the message has no such header. */
export function headerText(message: ReadMessage, name: string): string | undefined {
  return message.headers[name]?.[0]?.toString('utf8');
}

/** Waits until the connector created its topic: a reader subscribing earlier would fail. */
export async function waitForTopic(
  topic: string,
  { brokers, timeoutMs = 40_000 }: { brokers?: string[]; timeoutMs?: number } = {},
): Promise<void> {
  const admin = testKafka(brokers === undefined ? {} : { brokers }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await admin.listTopics()).includes(topic)) {
      if (Date.now() > deadline) throw new Error(`topic ${topic} was not created within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
