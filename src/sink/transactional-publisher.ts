import type { Logger } from 'pino';
import { ConnectorError, ErrorCodes, isConnectorError, toError } from '../errors.js';
import type { KafkaCluster, KafkaCompression, KafkaTransaction, TransactionalProducer } from '../kafka/index.js';
import { isRetriable, retry, type BackoffPolicy } from '../retry/index.js';
import { discardProducer } from './discard.js';
import { KafkaFailureLog } from './kafka-failure-log.js';
import { outputBatches, recordsIn } from './output-topics.js';
import type { OutputTopics, ShardBatch, SinkObserver } from './types.js';

export interface TransactionalPublisherOptions extends OutputTopics {
  kafka: Pick<KafkaCluster, 'transactionalProducer' | 'readPartitions'>;
  shard: string;
  transactionalId: string;
  stateTopic: string;
  statePartition: number;
  compression: KafkaCompression;
  transactionTimeoutMs: number;
  /** Batches queued while a transaction runs are committed together, up to this many records. */
  maxRecordsPerTransaction: number;
  retry: BackoffPolicy;
  closing: AbortSignal;
  logger: Logger;
  /** Where failures are reported, once per cause per interval; shared by the shards. Default: one of its own. */
  failures?: KafkaFailureLog;
  observer?: SinkObserver;
}

const REPLAYING = 'Kafka transaction failed; replaying the batch with a new producer';

interface Pending {
  batch: ShardBatch;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Exactly-once publishing for one shard: the events and the state records of queued batches go into one Kafka
 * transaction. By the producer contract of src/kafka (types.ts: a producer is unusable after any failure, and
 * retriable means retriable with a new producer) every failure discards the producer; after a retriable one its
 * successor (same transactional id) fences it and aborts what it left open, and the batches are replayed.
 */
export class TransactionalPublisher {
  private producer: TransactionalProducer | undefined;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private fenced: ConnectorError | undefined;
  private readonly failures: KafkaFailureLog;

  constructor(private readonly options: TransactionalPublisherOptions) {
    this.failures = options.failures ?? new KafkaFailureLog(options.logger);
  }

  /** Initialises the transactional id: fences older producers of this shard and aborts their open transaction. */
  async open(): Promise<void> {
    await this.ensureProducer();
  }

  publish(batch: ShardBatch): Promise<void> {
    if (this.fenced !== undefined) return Promise.reject(this.fenced);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
    });
  }

  async close(): Promise<void> {
    await this.draining;
    await this.discardProducer();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      try {
        await this.commitUntilDone(group.map((pending) => pending.batch));
        for (const pending of group) pending.resolve();
      } catch (error) {
        const failure = toError(error);
        if (isConnectorError(failure, ErrorCodes.SINK_FENCED)) this.fenced = failure;
        for (const pending of [...group, ...this.queue.splice(0)]) pending.reject(failure);
      }
    }
  }

  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    let records = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (next === undefined) break;
      const size = recordsIn(next.batch);
      if (group.length > 0 && records + size > this.options.maxRecordsPerTransaction) break;
      group.push(next);
      this.queue.shift();
      records += size;
    }
    return group;
  }

  private async commitUntilDone(batches: ShardBatch[]): Promise<void> {
    const merged: ShardBatch = {
      shard: this.options.shard,
      events: batches.flatMap((batch) => batch.events),
      table: batches.flatMap((batch) => batch.table ?? []),
      state: batches.flatMap((batch) => batch.state),
      watermarks: batches.flatMap((batch) => batch.watermarks ?? []),
      directory: batches.flatMap((batch) => batch.directory ?? []),
    };
    const { shard } = this.options;
    let failedAttempts = 0;
    try {
      await retry(() => this.commitOnce(merged), {
        policy: this.options.retry,
        signal: this.options.closing,
        onRetry: ({ error, attempt, delayMs }) => {
          failedAttempts = attempt;
          this.options.observer?.onSendError?.({ error, attempt, retryInMs: delayMs });
          this.failures.failed(REPLAYING, error, { shard, attempt, retryInMs: delayMs });
        },
      });
      if (failedAttempts > 0) {
        this.failures.recovered(REPLAYING, 'Kafka transactions commit again', { shard, failedAttempts });
      }
    } catch (error) {
      throw this.finalError(error);
    }
  }

  /** One attempt: a transaction with every record, committed; any failure discards the producer. */
  private async commitOnce(batch: ShardBatch): Promise<void> {
    const started = performance.now();
    try {
      const producer = await this.ensureProducer();
      const transaction = await producer.begin();
      const stateOffset = await this.sendOrAbort(transaction, batch);
      await this.commitOrVerify(transaction, stateOffset);
      this.options.observer?.onTransaction?.({ outcome: 'committed' });
      this.options.observer?.onPublished?.({ records: batch.events.length, durationMs: performance.now() - started });
    } catch (error) {
      if (error instanceof CommittedAfterAll) {
        this.options.observer?.onTransaction?.({ outcome: 'committed' });
        return;
      }
      await this.discardProducer();
      throw error;
    }
  }

  /**
   * Sends the records; returns the offset of the first state record, which tells later whether a commit held.
   * A batch without state (a watermark alone) has none: replaying it after an unknown commit outcome repeats
   * only a watermark, which readers take as the latest per shard anyway.
   */
  private async sendOrAbort(transaction: KafkaTransaction, batch: ShardBatch): Promise<string | undefined> {
    const { stateTopic, statePartition } = this.options;
    try {
      const state = batch.state.map((record) => ({ ...record, partition: statePartition }));
      const written = await transaction.send([
        ...outputBatches(this.options, batch),
        ...(state.length === 0 ? [] : [{ topic: stateTopic, records: state }]),
      ]);
      return state.length === 0 ? undefined : written.find((entry) => entry.topic === stateTopic)?.baseOffset;
    } catch (error) {
      await transaction.abort().catch((abortError: unknown) => {
        this.options.logger.debug(
          { err: abortError },
          'abort after a failed send failed too; the producer is replaced',
        );
      });
      this.options.observer?.onTransaction?.({ outcome: 'aborted' });
      throw error;
    }
  }

  /**
   * A failed commit leaves its outcome unknown: the coordinator may have committed before the connection
   * dropped. Replaying a committed batch would publish it twice, so a new producer first settles the old
   * transaction, then the state partition tells whether our first state record became visible.
   */
  private async commitOrVerify(transaction: KafkaTransaction, stateOffset: string | undefined): Promise<void> {
    try {
      await transaction.commit();
    } catch (commitError) {
      if (isConnectorError(commitError, ErrorCodes.SINK_FENCED)) throw commitError;
      this.failures.failed('commit failed; checking whether it took effect', toError(commitError), {
        shard: this.options.shard,
      });
      await this.discardProducer();
      await this.ensureProducer();
      if (stateOffset !== undefined && (await this.isCommitted(stateOffset))) throw new CommittedAfterAll();
      throw commitError;
    }
  }

  private async isCommitted(offset: string): Promise<boolean> {
    let committed = false;
    await this.options.kafka.readPartitions({
      topic: this.options.stateTopic,
      ranges: [{ partition: this.options.statePartition, fromOffset: offset }],
      groupPrefix: `${this.options.transactionalId}.commit-check`,
      // A read_committed read waits until the coordinator settles the old transaction, at the latest when it
      // times out (transactionTimeoutMs); 30 s more covers connecting and fetching. Derived, so no knob of its own.
      timeoutMs: this.options.transactionTimeoutMs + 30_000,
      onRecords: (_partition, records) => {
        if (records.length === 0) return false;
        committed = records[0]?.offset === offset;
        return true;
      },
    });
    return committed;
  }

  /** What the publisher reports once the retry loop gave up: fenced, closed, or the failure that is final. */
  private finalError(error: unknown): Error {
    if (isConnectorError(error, ErrorCodes.SINK_FENCED)) {
      this.options.observer?.onFenced?.({ shard: this.options.shard });
      return fencedError(this.options.shard, error);
    }
    if (this.options.closing.aborted && isRetriable(error)) {
      return new ConnectorError(ErrorCodes.SINK_CLOSED, 'sink closed before the transaction committed', {
        cause: toError(error),
      });
    }
    return toError(error);
  }

  private async ensureProducer(): Promise<TransactionalProducer> {
    if (this.producer !== undefined) return this.producer;
    this.producer = await this.options.kafka.transactionalProducer({
      transactionalId: this.options.transactionalId,
      transactionTimeoutMs: this.options.transactionTimeoutMs,
      compression: this.options.compression,
    });
    return this.producer;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await discardProducer(producer, this.options.logger);
  }
}

/** The commit looked failed but the state partition shows it took effect: the batch must not be replayed. */
class CommittedAfterAll extends Error {}

/** Says which shard was lost; keeps the kafkajs error as the cause, as the logs showed it before the mapping. */
function fencedError(shard: string, fenced: ConnectorError): ConnectorError {
  return new ConnectorError(
    ErrorCodes.SINK_FENCED,
    `another producer with this shard's transactional id took over shard "${shard}": this worker stops polling it`,
    { cause: fenced.cause ?? fenced, details: { shard, kafkaError: fenced.details['kafkaError'] } },
  );
}
