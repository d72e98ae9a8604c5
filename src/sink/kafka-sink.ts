import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { RecordCapacity } from './capacity.js';
import type { EventSink, SinkObserver, SinkRecord } from './types.js';

export interface KafkaSinkOptions {
  brokers: string[];
  clientId: string;
  topic: string;
  partitions: number;
  /** -1 lets the broker's default.replication.factor decide. */
  replicationFactor: number;
  compression: 'gzip' | 'none';
  maxBufferedRecords: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retry: { initialMs: number; maxMs: number };
  logger: Logger;
  observer?: SinkObserver;
}

/** kafkajs lives here and nowhere else: swapping the Kafka client is a change to this file. */
export class KafkaSink implements EventSink {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private readonly capacity: RecordCapacity;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly closing = new AbortController();

  constructor(private readonly options: KafkaSinkOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => logKafkaEntry(options.logger, entry),
      // Few retries inside kafkajs: the sink's own loop retries forever with a fresh producer, and reports each
      // failure so that readiness turns false within seconds of Kafka going away.
      retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.capacity = new RecordCapacity(options.maxBufferedRecords);
  }

  async connect(signal?: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.throwIfClosed();
      try {
        await this.ensureTopic();
        this.producer = await this.newProducer();
        this.options.observer?.onConnected?.();
        return;
      } catch (error) {
        const retryInMs = this.retryDelay(attempt);
        this.options.observer?.onSendError?.({ error: toError(error), attempt: attempt + 1, retryInMs });
        this.options.logger.warn({ err: error, attempt: attempt + 1, retryInMs }, 'Kafka not reachable yet; retrying');
        await sleep(retryInMs, undefined, { signal: anySignal(signal, this.closing.signal) });
      }
    }
  }

  async publish(records: readonly SinkRecord[]): Promise<void> {
    this.throwIfClosed();
    if (records.length === 0) return;
    await this.capacity.acquire(records.length);
    const sending = this.sendUntilAcknowledged(records).finally(() => this.capacity.release(records.length));
    this.inFlight.add(sending);
    try {
      await sending;
    } finally {
      this.inFlight.delete(sending);
    }
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const drained = Promise.allSettled([...this.inFlight]);
    const timedOut = await Promise.race([drained.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) {
      this.options.logger.warn({ pending: this.capacity.recordsInFlight }, 'Kafka publishes still pending at shutdown');
    }
    this.closing.abort();
    await this.producer?.disconnect();
  }

  private async sendUntilAcknowledged(records: readonly SinkRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const producer = this.producer ?? (this.producer = await this.newProducer());
        await producer.send({
          topic: this.options.topic,
          acks: -1,
          compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: records.map((record) => ({ key: record.key, value: record.value, headers: record.headers })),
        });
        this.options.observer?.onPublished?.({ records: records.length, durationMs: performance.now() - started });
        return;
      } catch (error) {
        await this.recoverFromSendError(toError(error), attempt);
      }
    }
  }

  /**
   * After a failed send the idempotent producer's sequence numbers may no longer match the broker's; a fresh
   * producer starts a clean session. The records are then sent again: at-least-once, never lost.
   */
  private async recoverFromSendError(error: Error, attempt: number): Promise<void> {
    const retryInMs = this.retryDelay(attempt);
    this.options.observer?.onSendError?.({ error, attempt: attempt + 1, retryInMs });
    this.options.logger.warn({ err: error, attempt: attempt + 1, retryInMs }, 'Kafka send failed; retrying with a new producer');
    const failed = this.producer;
    this.producer = undefined;
    await failed?.disconnect().catch((disconnectError: unknown) => {
      this.options.logger.debug({ err: disconnectError }, 'disconnecting the failed producer failed too');
    });
    await sleep(retryInMs, undefined, { signal: this.closing.signal }).catch(() => {
      // Woken early because the sink is closing: fall through to the closed check below.
    });
    if (this.closing.signal.aborted) {
      throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'sink closed before Kafka acknowledged the records', {
        cause: error,
      });
    }
  }

  private async newProducer(): Promise<Producer> {
    const producer = this.kafka.producer({
      idempotent: true,
      // kafkajs keeps ordering with idempotence only with one request in flight per broker.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return producer;
  }

  private async ensureTopic(): Promise<void> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.options.topic,
            numPartitions: this.options.partitions,
            replicationFactor: this.options.replicationFactor,
          },
        ],
      });
      this.options.logger.info({ topic: this.options.topic, created }, created ? 'created topic' : 'topic exists');
    } finally {
      await admin.disconnect();
    }
  }

  private retryDelay(attempt: number): number {
    const { initialMs, maxMs } = this.options.retry;
    return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  }

  private throwIfClosed(): void {
    if (this.closed) throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'the Kafka sink is closed');
  }
}

function anySignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal {
  return first === undefined ? second : AbortSignal.any([first, second]);
}

function logKafkaEntry(logger: Logger, entry: LogEntry): void {
  const { message, ...fields } = entry.log;
  const context = { kafka: entry.namespace, ...fields };
  if (entry.level === KafkaLogLevel.ERROR) logger.error(context, message);
  else if (entry.level === KafkaLogLevel.WARN) logger.warn(context, message);
  else logger.debug(context, message);
}
