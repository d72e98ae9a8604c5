import { setTimeout as sleep } from 'node:timers/promises';
import type { CompressionTypes, Kafka, Producer, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { PRODUCER_RETRY } from './kafka-client.js';
import { fencedError, isFencedError } from './kafka-errors.js';
import { readPartitions } from './partition-reader.js';
import type { ShardBatch, SinkObserver, SinkRecord } from './types.js';

export interface TransactionalPublisherOptions {
  kafka: Kafka;
  shard: string;
  transactionalId: string;
  eventsTopic: string;
  stateTopic: string;
  statePartition: number;
  compression: CompressionTypes;
  transactionTimeoutMs: number;
  /** Batches queued while a transaction runs are committed together, up to this many records. */
  maxRecordsPerTransaction: number;
  retryDelayMs: (attempt: number) => number;
  closing: AbortSignal;
  logger: Logger;
  observer?: SinkObserver;
}

interface Pending {
  batch: ShardBatch;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Exactly-once publishing for one shard: the events and the state records of queued batches go into one Kafka
 * transaction. kafkajs cannot recover a producer whose commit or abort failed, nor one that met
 * UNKNOWN_PRODUCER_ID or a sequence error, so every failure discards the producer; its successor (same
 * transactional id) fences it and aborts what it left open, and the batches are replayed.
 */
export class TransactionalPublisher {
  private producer: Producer | undefined;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private fenced: ConnectorError | undefined;

  constructor(private readonly options: TransactionalPublisherOptions) {}

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
        if (failure instanceof ConnectorError && failure.code === ErrorCodes.SINK_FENCED) this.fenced = failure;
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
      const size = next.batch.events.length + next.batch.state.length;
      if (group.length > 0 && records + size > this.options.maxRecordsPerTransaction) break;
      group.push(next);
      this.queue.shift();
      records += size;
    }
    return group;
  }

  private async commitUntilDone(batches: ShardBatch[]): Promise<void> {
    const events = batches.flatMap((batch) => batch.events);
    const state = batches.flatMap((batch) => batch.state);
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let stateOffset: string | undefined;
      try {
        const producer = await this.ensureProducer();
        const transaction = await producer.transaction();
        try {
          const metadata = await transaction.sendBatch({
            acks: -1,
            compression: this.options.compression,
            topicMessages: [
              { topic: this.options.eventsTopic, messages: events.map(toMessage) },
              {
                topic: this.options.stateTopic,
                messages: state.map((record) => ({ ...toMessage(record), partition: this.options.statePartition })),
              },
            ],
          });
          stateOffset = baseOffsetOf(metadata, this.options.stateTopic);
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
        await this.commitOrVerify(transaction, stateOffset);
        this.options.observer?.onTransaction?.({ outcome: 'committed' });
        this.options.observer?.onPublished?.({ records: events.length, durationMs: performance.now() - started });
        return;
      } catch (error) {
        if (error instanceof CommittedAfterAll) {
          this.options.observer?.onTransaction?.({ outcome: 'committed' });
          return;
        }
        await this.recover(error, attempt);
      }
    }
  }

  /**
   * A failed commit leaves its outcome unknown: the coordinator may have committed before the connection
   * dropped. Replaying a committed batch would publish it twice, so a new producer first settles the old
   * transaction, then the state partition tells whether our first state record became visible.
   */
  private async commitOrVerify(
    transaction: { commit(): Promise<void> },
    stateOffset: string | undefined,
  ): Promise<void> {
    try {
      await transaction.commit();
    } catch (commitError) {
      if (isFencedError(commitError)) throw commitError;
      this.options.logger.warn(
        { err: commitError, shard: this.options.shard },
        'commit failed; checking whether it took effect',
      );
      await this.discardProducer();
      await this.ensureProducer();
      if (stateOffset !== undefined && (await this.isCommitted(stateOffset))) throw new CommittedAfterAll();
      throw commitError;
    }
  }

  private async isCommitted(offset: string): Promise<boolean> {
    let committed = false;
    await readPartitions({
      kafka: this.options.kafka,
      topic: this.options.stateTopic,
      ranges: [{ partition: this.options.statePartition, fromOffset: offset }],
      groupPrefix: `${this.options.transactionalId}.commit-check`,
      timeoutMs: this.options.transactionTimeoutMs + 30_000,
      onRecords: (_partition, records) => {
        if (records.length === 0) return false;
        committed = records[0]?.offset === offset;
        return true;
      },
    });
    return committed;
  }

  private async recover(error: unknown, attempt: number): Promise<void> {
    if (isFencedError(error)) {
      this.options.observer?.onFenced?.({ shard: this.options.shard });
      await this.discardProducer();
      throw fencedError(this.options.shard, error);
    }
    const retryInMs = this.options.retryDelayMs(attempt);
    this.options.observer?.onSendError?.({ error: toError(error), attempt: attempt + 1, retryInMs });
    this.options.logger.warn(
      { err: error, shard: this.options.shard, attempt: attempt + 1, retryInMs },
      'Kafka transaction failed; replaying the batch with a new producer',
    );
    await this.discardProducer();
    if (!this.options.closing.aborted) {
      await sleep(retryInMs, undefined, { signal: this.options.closing }).catch(() => {
        // Woken early by close(): the check below turns it into SINK_CLOSED.
      });
    }
    if (this.options.closing.aborted) {
      throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'sink closed before the transaction committed', {
        cause: toError(error),
      });
    }
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer !== undefined) return this.producer;
    const producer = this.options.kafka.producer({
      transactionalId: this.options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs,
      retry: PRODUCER_RETRY,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    // kafkajs sends InitProducerId lazily at the first transaction; do it now so fencing happens at open().
    const transaction = await producer.transaction();
    await transaction.abort();
    this.producer = producer;
    return producer;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch((error: unknown) => {
      this.options.logger.debug({ err: error }, 'disconnecting a discarded producer failed');
    });
  }
}

class CommittedAfterAll extends Error {}

function toMessage(record: SinkRecord) {
  return { key: record.key, value: record.value, ...(record.headers === undefined ? {} : { headers: record.headers }) };
}

function baseOffsetOf(metadata: RecordMetadata[], topic: string): string | undefined {
  return metadata.find((entry) => entry.topicName === topic)?.baseOffset;
}
