import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ConnectorError, ErrorCodes, isConnectorError } from '../errors.js';
import type { KafkaAdmin, KafkaCluster } from '../kafka/index.js';
import { retry, type BackoffPolicy } from '../retry/index.js';
import { RecordCapacity } from './capacity.js';
import { KafkaFailureLog } from './kafka-failure-log.js';
import { IdempotentPublisher } from './idempotent-publisher.js';
import { statePartitionOf } from './partition.js';
import { TransactionalPublisher } from './transactional-publisher.js';
import { recordsIn } from './output-topics.js';
import {
  type DeliveryMode,
  type EventPublisher,
  type ShardBatch,
  type ShardProducers,
  type OutputTopics,
  type SinkObserver,
} from './types.js';

const COMPACTED_OUTPUT = { 'cleanup.policy': 'compact', 'segment.ms': String(6 * 60 * 60 * 1000) };

export interface KafkaSinkOptions {
  kafka: KafkaCluster;
  logger: Logger;
  /** Prefix of transactional ids: `<connectorName>-<shard>`. */
  connectorName: string;
  topic: string;
  partitions: number;
  /** -1 lets the broker's default.replication.factor decide. */
  replicationFactor: number;
  stateTopic: string;
  statePartitions: number;
  /** The compacted table of current presence; absent when off. Partitioned like the change topic by default. */
  table?: { topic: string; partitions: number };
  /** The compacted watermark topic (one record per shard); absent when off. */
  watermarkTopic?: string;
  /** The compacted directory topic of discovery (one record per discovered user); absent without discovery. */
  directoryTopic?: string;
  delivery: 'auto' | DeliveryMode;
  transactionTimeoutMs: number;
  compression: 'gzip' | 'none';
  maxBufferedRecords: number;
  /** Backoff of every retry here: connecting, and replaying a batch with a new producer. */
  retry: BackoffPolicy;
  observer?: SinkObserver;
  /** Where Kafka failures are reported, once per cause per interval for all shards. Default: on `logger`. */
  failures?: KafkaFailureLog;
}

const CONNECT_RETRY = 'Kafka not reachable yet; retrying';

/**
 * Publishes the shards' batches to Kafka through src/kafka: a transactional publisher per shard (exactly-once)
 * or one idempotent publisher (at-least-once), behind a bound on the records in flight.
 */
export class KafkaSink implements EventPublisher, ShardProducers {
  private readonly capacity: RecordCapacity;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private readonly transactional = new Map<string, TransactionalPublisher>();
  private idempotent: IdempotentPublisher | undefined;
  private mode: DeliveryMode | undefined;
  private closed = false;
  private readonly failures: KafkaFailureLog;

  constructor(private readonly options: KafkaSinkOptions) {
    this.capacity = new RecordCapacity(options.maxBufferedRecords);
    this.failures = options.failures ?? new KafkaFailureLog(options.logger);
  }

  /**
   * Retries what is retriable (Kafka away, leaders moving); a refused feature or a wrong layout fails at once.
   * Logs no "connected" line: the worker does, once, with what else it knows.
   */
  async connect(signal?: AbortSignal): Promise<DeliveryMode> {
    return retry(
      async () => {
        this.throwIfClosed();
        await this.options.kafka.withAdmin((admin) => this.ensureTopics(admin));
        this.mode = await this.settleDeliveryMode();
        return this.mode;
      },
      {
        policy: this.options.retry,
        signal: signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal]),
        onRetry: ({ error, attempt, delayMs }) => {
          this.options.observer?.onSendError?.({ error, attempt, retryInMs: delayMs });
          this.failures.failed(CONNECT_RETRY, error, { attempt, retryInMs: delayMs });
        },
      },
    );
  }

  async claimShard(shard: string): Promise<void> {
    if (this.requireMode() === 'exactly-once') await this.transactionalFor(shard).open();
  }

  async releaseShard(shard: string): Promise<void> {
    const publisher = this.transactional.get(shard);
    this.transactional.delete(shard);
    await publisher?.close();
  }

  async publish(batch: ShardBatch): Promise<void> {
    this.throwIfClosed();
    const size = recordsIn(batch);
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
        kafka: this.options.kafka,
        shard,
        transactionalId: `${this.options.connectorName}-${shard}`,
        ...this.outputTopics(),
        stateTopic: this.options.stateTopic,
        statePartition: statePartitionOf(shard, this.options.statePartitions),
        compression: this.options.compression,
        transactionTimeoutMs: this.options.transactionTimeoutMs,
        // Not a setting: it only caps how many batches that queued during a commit (a backlog after a stall) the
        // next transaction groups, so catching up never builds one huge transaction; in normal running one holds a
        // single Graph batch (at most 650 users' events and state), far below it.
        maxRecordsPerTransaction: 20_000,
        retry: this.options.retry,
        closing: this.closing.signal,
        logger: this.options.logger.child({ shard }),
        failures: this.failures,
        ...(this.options.observer === undefined ? {} : { observer: this.options.observer }),
      });
      this.transactional.set(shard, publisher);
    }
    return publisher;
  }

  private idempotentPublisher(): IdempotentPublisher {
    this.idempotent ??= new IdempotentPublisher({
      kafka: this.options.kafka,
      ...this.outputTopics(),
      stateTopic: this.options.stateTopic,
      statePartitionOf: (shard) => statePartitionOf(shard, this.options.statePartitions),
      compression: this.options.compression,
      retry: this.options.retry,
      closing: this.closing.signal,
      logger: this.options.logger,
      failures: this.failures,
      ...(this.options.observer === undefined ? {} : { observer: this.options.observer }),
    });
    return this.idempotent;
  }

  private outputTopics(): OutputTopics {
    const { topic, table, watermarkTopic, directoryTopic } = this.options;
    return {
      eventsTopic: topic,
      ...(table === undefined ? {} : { tableTopic: table.topic }),
      ...(watermarkTopic === undefined ? {} : { watermarkTopic }),
      ...(directoryTopic === undefined ? {} : { directoryTopic }),
    };
  }

  /**
   * `auto` asks the broker: a transactional id that initialises means transactions work. Only errors that say
   * the feature is missing or forbidden decide at-least-once; anything else is retried like any connect error.
   */
  private async settleDeliveryMode(): Promise<DeliveryMode> {
    if (this.options.delivery === 'at-least-once') return 'at-least-once';
    try {
      await this.options.kafka.probeTransactions(`${this.options.connectorName}-probe`);
      return 'exactly-once';
    } catch (error) {
      if (!isConnectorError(error, ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED)) throw error;
      if (this.options.delivery === 'exactly-once') {
        throw new ConnectorError(
          ErrorCodes.SINK_TRANSACTIONS_UNSUPPORTED,
          'kafka.delivery is exactly-once but the broker refuses transactions; use at-least-once (or auto) for this broker',
          { cause: error.cause ?? error },
        );
      }
      this.options.logger.debug({ err: error }, 'the transaction probe failed');
      this.options.logger.warn(
        { error: error.message, code: error.code },
        'the broker does not support transactions: delivering at-least-once',
      );
      return 'at-least-once';
    }
  }

  private async ensureTopics(admin: KafkaAdmin): Promise<void> {
    const { table, watermarkTopic, directoryTopic, replicationFactor } = this.options;
    const created = await admin.createTopics([
      {
        topic: this.options.topic,
        partitions: this.options.partitions,
        replicationFactor: this.options.replicationFactor,
      },
      {
        topic: this.options.stateTopic,
        partitions: this.options.statePartitions,
        replicationFactor: this.options.replicationFactor,
        // Compacted: only the latest state per user matters, and the topic stays proportional to the tenant.
        // Not settings: they apply only when the connector creates the topic, and an operator who wants others
        // sets them on the topic itself, which the connector never alters. The lag keeps a state record at least
        // a minute, so a commit check (TransactionalPublisher.isCommitted) finds the record it wrote and not a later
        // one; segments roll every six hours because the active segment is never compacted.
        config: {
          'cleanup.policy': 'compact',
          'min.compaction.lag.ms': '60000',
          'segment.ms': String(6 * 60 * 60 * 1000),
        },
      },
      // The consumer-facing compacted topics: one record per user (table) or per shard (watermarks) survives.
      // Segments roll every six hours, as the state topic's, since the active segment is never compacted: a
      // reader from the beginning then meets at most six hours of superseded records. Kafka's defaults otherwise;
      // an operator tunes them on the topic, which the connector never alters.
      ...(table === undefined ? [] : [{ ...table, replicationFactor, config: COMPACTED_OUTPUT }]),
      ...(watermarkTopic === undefined
        ? []
        : [{ topic: watermarkTopic, partitions: 1, replicationFactor, config: COMPACTED_OUTPUT }]),
      // One partition: the watched set is read whole by every worker, and its records must stay in write order.
      ...(directoryTopic === undefined
        ? []
        : [{ topic: directoryTopic, partitions: 1, replicationFactor, config: COMPACTED_OUTPUT }]),
    ]);
    if (created) {
      this.options.logger.info(
        {
          topic: this.options.topic,
          stateTopic: this.options.stateTopic,
          tableTopic: table?.topic,
          watermarkTopic,
          directoryTopic,
        },
        'created topics',
      );
    }
    await this.checkStatePartitions(admin);
  }

  /** A state topic with another partition count would put shards' state where no worker looks for it. */
  private async checkStatePartitions(admin: KafkaAdmin): Promise<void> {
    const actual = await admin.partitionCount(this.options.stateTopic);
    if (actual !== this.options.statePartitions) {
      throw new ConnectorError(
        ErrorCodes.CONFIG_INVALID,
        `state topic ${this.options.stateTopic} has ${actual} partitions but kafka.statePartitions is ${this.options.statePartitions}; set it to ${actual}`,
      );
    }
  }

  private requireMode(): DeliveryMode {
    if (this.mode === undefined) throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'the Kafka sink is not connected');
    return this.mode;
  }

  private throwIfClosed(): void {
    if (this.closed) throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'the Kafka sink is closed');
  }
}
