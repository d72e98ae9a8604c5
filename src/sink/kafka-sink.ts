import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { RecordCapacity } from './capacity.js';
import { IdempotentPublisher } from './idempotent-publisher.js';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';
import { isTransactionsUnsupported } from './kafka-errors.js';
import { readPartitions } from './partition-reader.js';
import { statePartitionOf } from './partition.js';
import { TransactionalPublisher } from './transactional-publisher.js';
import type { DeliveryMode, EventSink, ShardBatch, SinkObserver, StoredStateRecord } from './types.js';

export interface KafkaSinkOptions extends KafkaConnectionOptions {
  /** Prefix of transactional ids: `<connectorName>-<shard>`. */
  connectorName: string;
  topic: string;
  partitions: number;
  /** -1 lets the broker's default.replication.factor decide. */
  replicationFactor: number;
  stateTopic: string;
  statePartitions: number;
  delivery: 'auto' | DeliveryMode;
  transactionTimeoutMs: number;
  compression: 'gzip' | 'none';
  maxBufferedRecords: number;
  retry: { initialMs: number; maxMs: number };
  /** How long a state restore may take before it is retried. */
  restoreTimeoutMs?: number;
  observer?: SinkObserver;
}

/** kafkajs lives in this folder and nowhere else: swapping the Kafka client is a change here only. */
export class KafkaSink implements EventSink {
  private readonly kafka: Kafka;
  private readonly capacity: RecordCapacity;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private readonly transactional = new Map<string, TransactionalPublisher>();
  private idempotent: IdempotentPublisher | undefined;
  private mode: DeliveryMode | undefined;
  private closed = false;

  constructor(private readonly options: KafkaSinkOptions) {
    this.kafka = createKafkaClient(options);
    this.capacity = new RecordCapacity(options.maxBufferedRecords);
  }

  async connect(signal?: AbortSignal): Promise<DeliveryMode> {
    for (let attempt = 0; ; attempt++) {
      this.throwIfClosed();
      try {
        await this.ensureTopics();
        this.mode = await this.settleDeliveryMode();
        this.options.logger.info({ delivery: this.mode }, 'connected to Kafka');
        return this.mode;
      } catch (error) {
        // A refused transaction feature or a wrong state-topic layout will not change by retrying.
        if (error instanceof ConnectorError && !error.retriable) throw error;
        const retryInMs = this.retryDelay(attempt);
        this.options.observer?.onSendError?.({ error: toError(error), attempt: attempt + 1, retryInMs });
        this.options.logger.warn({ err: error, attempt: attempt + 1, retryInMs }, 'Kafka not reachable yet; retrying');
        await sleep(retryInMs, undefined, { signal: anySignal(signal, this.closing.signal) });
      }
    }
  }

  async openShard(shard: string): Promise<void> {
    if (this.requireMode() === 'exactly-once') await this.transactionalFor(shard).open();
  }

  async closeShard(shard: string): Promise<void> {
    const publisher = this.transactional.get(shard);
    this.transactional.delete(shard);
    await publisher?.close();
  }

  async readState(shards: readonly string[], onRecord: (record: StoredStateRecord) => void): Promise<void> {
    const partitions = [...new Set(shards.map((shard) => statePartitionOf(shard, this.options.statePartitions)))];
    await readPartitions({
      kafka: this.kafka,
      topic: this.options.stateTopic,
      ranges: partitions.map((partition) => ({ partition })),
      groupPrefix: `${this.options.clientId}.state-restore`,
      timeoutMs: this.options.restoreTimeoutMs ?? 10 * 60_000,
      onRecords: (_partition, records) => {
        for (const record of records) onRecord(record);
        return false;
      },
    });
  }

  async publish(batch: ShardBatch): Promise<void> {
    this.throwIfClosed();
    const size = batch.events.length + batch.state.length;
    if (size === 0) return;
    await this.capacity.acquire(size);
    const sending = this.publisherFor(batch.shard)
      .publish(batch)
      .finally(() => this.capacity.release(size));
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
    const timer = new AbortController();
    const timedOut = await Promise.race([
      drained.then(() => false),
      sleep(timeoutMs, true, { signal: timer.signal }).catch(() => false),
    ]);
    // Cancel the timer, or it holds the process open for the whole shutdown timeout.
    timer.abort();
    if (timedOut) {
      this.options.logger.warn({ pending: this.capacity.recordsInFlight }, 'Kafka publishes still pending at shutdown');
    }
    this.closing.abort();
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([...this.transactional.values()].map((publisher) => publisher.close()));
    await this.idempotent?.close();
  }

  private publisherFor(shard: string): { publish(batch: ShardBatch): Promise<void> } {
    return this.requireMode() === 'exactly-once' ? this.transactionalFor(shard) : this.idempotentPublisher();
  }

  private transactionalFor(shard: string): TransactionalPublisher {
    let publisher = this.transactional.get(shard);
    if (publisher === undefined) {
      publisher = new TransactionalPublisher({
        kafka: this.kafka,
        shard,
        transactionalId: `${this.options.connectorName}-${shard}`,
        eventsTopic: this.options.topic,
        stateTopic: this.options.stateTopic,
        statePartition: statePartitionOf(shard, this.options.statePartitions),
        compression: this.compression(),
        transactionTimeoutMs: this.options.transactionTimeoutMs,
        maxRecordsPerTransaction: 20_000,
        retryDelayMs: (attempt) => this.retryDelay(attempt),
        closing: this.closing.signal,
        logger: this.options.logger.child({ shard }),
        ...(this.options.observer === undefined ? {} : { observer: this.options.observer }),
      });
      this.transactional.set(shard, publisher);
    }
    return publisher;
  }

  private idempotentPublisher(): IdempotentPublisher {
    this.idempotent ??= new IdempotentPublisher({
      kafka: this.kafka,
      eventsTopic: this.options.topic,
      stateTopic: this.options.stateTopic,
      statePartitionOf: (shard) => statePartitionOf(shard, this.options.statePartitions),
      compression: this.compression(),
      retryDelayMs: (attempt) => this.retryDelay(attempt),
      closing: this.closing.signal,
      logger: this.options.logger,
      ...(this.options.observer === undefined ? {} : { observer: this.options.observer }),
    });
    return this.idempotent;
  }

  /**
   * `auto` asks the broker: a transactional id that initialises means transactions work. Only errors that say
   * the feature is missing or forbidden decide at-least-once; anything else is retried like any connect error.
   */
  private async settleDeliveryMode(): Promise<DeliveryMode> {
    if (this.options.delivery === 'at-least-once') return 'at-least-once';
    const probe = this.kafka.producer({
      transactionalId: `${this.options.connectorName}-probe`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await probe.connect();
      const transaction = await probe.transaction();
      await transaction.abort();
      return 'exactly-once';
    } catch (error) {
      if (!isTransactionsUnsupported(error)) throw error;
      if (this.options.delivery === 'exactly-once') {
        throw new ConnectorError(
          ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED,
          'kafka.delivery is exactly-once but the broker refuses transactions; use at-least-once (or auto) for this broker',
          { cause: toError(error) },
        );
      }
      this.options.logger.warn({ err: error }, 'the broker does not support transactions: delivering at-least-once');
      return 'at-least-once';
    } finally {
      await probe.disconnect();
    }
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
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
          {
            topic: this.options.stateTopic,
            numPartitions: this.options.statePartitions,
            replicationFactor: this.options.replicationFactor,
            // Compacted: only the latest state per user matters, and the topic stays proportional to the tenant.
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'min.compaction.lag.ms', value: '60000' },
              { name: 'segment.ms', value: String(6 * 60 * 60 * 1000) },
            ],
          },
        ],
      });
      if (created)
        this.options.logger.info({ topic: this.options.topic, stateTopic: this.options.stateTopic }, 'created topics');
      await this.checkStatePartitions(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** A state topic with another partition count would put shards' state where no worker looks for it. */
  private async checkStatePartitions(admin: ReturnType<Kafka['admin']>): Promise<void> {
    const metadata = await admin.fetchTopicMetadata({ topics: [this.options.stateTopic] });
    const actual = metadata.topics[0]?.partitions.length ?? 0;
    if (actual !== this.options.statePartitions) {
      throw new ConnectorError(
        ErrorCodes.CONFIG_INVALID,
        `state topic ${this.options.stateTopic} has ${actual} partitions but kafka.statePartitions is ${this.options.statePartitions}; set it to ${actual}`,
      );
    }
  }

  private compression(): CompressionTypes {
    return this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  private retryDelay(attempt: number): number {
    const { initialMs, maxMs } = this.options.retry;
    return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  }

  private requireMode(): DeliveryMode {
    if (this.mode === undefined) throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'the Kafka sink is not connected');
    return this.mode;
  }

  private throwIfClosed(): void {
    if (this.closed) throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'the Kafka sink is closed');
  }
}

function anySignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal {
  return first === undefined ? second : AbortSignal.any([first, second]);
}
