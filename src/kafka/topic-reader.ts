/**
 * Reads a topic for people and tools that watch the stream (`tail`, the demo). Lives in src/kafka/ because kafkajs
 * may be imported nowhere else; callers get plain records and never see a kafkajs type.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { type KafkaLogLine } from './client-log.js';
import { createKafkaClient, type KafkaSaslOptions, type KafkaTlsOptions } from './client.js';
import { closeAfter, kafkaDebugLog } from './closing.js';

export interface TopicRecord {
  /** UTF-8 key; null when the record has none. */
  key: string | null;
  /** A record without a value (a tombstone) reads as an empty buffer. */
  value: Buffer;
  /** First value of each header, as UTF-8. */
  headers: Record<string, string>;
  partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string the protocol gives. */
  offset: string;
  /** Record timestamp, milliseconds since the epoch. */
  timestamp: number;
}

export interface TopicReaderLogEntry {
  level: 'error' | 'warn';
  message: string;
}

export interface TopicReaderOptions {
  brokers: string[];
  topic: string;
  /** true: every record still on the topic; false: only records written after the reader joined. */
  fromBeginning: boolean;
  onRecord(record: TopicRecord): void;
  /** Kafka client warnings and errors (connection failures, rebalances); dropped when absent. */
  onLog?(entry: TopicReaderLogEntry): void;
  /** Prefix of the client id and of the throwaway consumer group. Default `presence-topic-reader`. */
  clientId?: string;
  connectionTimeoutMs?: number;
  /** TLS to the brokers, as the connector uses it (kafka.tls). */
  ssl?: KafkaTlsOptions;
  /** SASL authentication, as the connector uses it (kafka.sasl). */
  sasl?: KafkaSaslOptions;
}

export interface TopicReader {
  /** Partitions of the topic when the reader started. */
  readonly partitions: number;
  /** Resolves once stop() finished; rejects when the client fails in a way it does not recover from. */
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Connects, checks that the topic exists, and delivers records until stop(). Reads with read_committed isolation,
 * so records of aborted or still-open transactions never show. Commits no offsets: each reader is a fresh,
 * throwaway consumer group that must not disturb anyone else's position.
 * @throws ConnectorError SINK_UNAVAILABLE when Kafka cannot be reached or the topic does not exist.
 */
export async function startTopicReader(options: TopicReaderOptions): Promise<TopicReader> {
  const clientId = options.clientId ?? 'presence-topic-reader';
  const kafka = createKafkaClient({
    clientId,
    brokers: options.brokers,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
    requestTimeoutMs: 30_000,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    onLog: (line) => forwardLog(options.onLog, line),
    retries: 3,
  });
  const partitions = await topicPartitions(kafka, options);
  const consumer = kafka.consumer({
    groupId: `${clientId}-${randomBytes(6).toString('hex')}`,
    readUncommitted: false,
    // A consumer that subscribes to a missing topic would otherwise create it, with the broker's default partition
    // count instead of the connector's.
    allowAutoTopicCreation: false,
    // Short fetch waits keep stop() quick; records still arrive as soon as they are written.
    maxWaitTimeInMs: 500,
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning });
  } catch (error) {
    // The subscribe failure is the one to report; a failing disconnect of the same consumer only goes to debug.
    await consumer.disconnect().catch((disconnectError: unknown) => {
      kafkaDebugLog(kafka).debug('disconnecting a consumer that failed to subscribe failed too', {
        error: toError(disconnectError).message,
      });
    });
    throw unavailable(`cannot subscribe to topic "${options.topic}"`, options, error);
  }
  return runReader(consumer, options, partitions);
}

async function runReader(consumer: Consumer, options: TopicReaderOptions, partitions: number): Promise<TopicReader> {
  let settle: (error?: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // A crash before the caller awaits `finished` must not count as an unhandled rejection.
  finished.catch(() => undefined);
  consumer.on(consumer.events.CRASH, (event) => {
    // kafkajs restarts the consumer by itself after retriable failures (a broker restart, a rebalance).
    if (!event.payload.restart) settle(unavailable('the topic reader stopped', options, event.payload.error));
  });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      options.onRecord(toRecord(partition, message));
    },
  });
  let stopping: Promise<void> | undefined;
  return {
    partitions,
    finished,
    stop() {
      stopping ??= consumer.disconnect().then(
        () => settle(),
        (error: unknown) => settle(toError(error)),
      );
      return stopping.then(() => finished);
    },
  };
}

async function topicPartitions(kafka: Kafka, options: TopicReaderOptions): Promise<number> {
  const admin = kafka.admin();
  try {
    // closeAfter: a failing disconnect after a failed look-up is logged at debug, so it cannot hide the cause.
    return await closeAfter(
      async () => {
        await admin.connect();
        const topics = await admin.listTopics();
        if (!topics.includes(options.topic)) {
          throw new ConnectorError(
            ErrorCodes.SINK_UNAVAILABLE,
            `topic "${options.topic}" does not exist on ${options.brokers.join(',')}`,
            { details: { topic: options.topic, brokers: options.brokers } },
          );
        }
        const metadata = await admin.fetchTopicMetadata({ topics: [options.topic] });
        return metadata.topics[0]?.partitions.length ?? 0;
      },
      () => admin.disconnect(),
      kafkaDebugLog(kafka),
      'the admin client of the topic reader',
    );
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw unavailable(`cannot reach Kafka at ${options.brokers.join(',')}`, options, error);
  }
}

function toRecord(partition: number, message: KafkaMessage): TopicRecord {
  return {
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers: firstHeaderValues(message.headers),
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
  };
}

function firstHeaderValues(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) result[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return result;
}

function forwardLog(onLog: TopicReaderOptions['onLog'], line: KafkaLogLine): void {
  if (onLog === undefined || line.level === 'debug') return;
  onLog({ level: line.level, message: `${line.namespace}: ${line.message}` });
}

function unavailable(message: string, options: TopicReaderOptions, cause: unknown): ConnectorError {
  return new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, `${message}: ${toError(cause).message}`, {
    cause,
    retriable: true,
    details: { topic: options.topic, brokers: options.brokers },
  });
}
