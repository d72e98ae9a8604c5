import type { Logger } from 'pino';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import type { IdempotentProducer, KafkaCluster, KafkaCompression, OutgoingRecord } from '../kafka/index.js';
import { isRetriable, retry, type BackoffPolicy } from '../retry/index.js';
import { discardProducer } from './discard.js';
import { KafkaFailureLog } from './kafka-failure-log.js';
import { outputBatches } from './output-topics.js';
import type { OutputTopics, ShardBatch, SinkObserver } from './types.js';

export interface IdempotentPublisherOptions extends OutputTopics {
  kafka: Pick<KafkaCluster, 'idempotentProducer'>;
  stateTopic: string;
  statePartitionOf: (shard: string) => number;
  compression: KafkaCompression;
  retry: BackoffPolicy;
  closing: AbortSignal;
  logger: Logger;
  /** Where failures are reported, once per cause per interval. Default: one of its own. */
  failures?: KafkaFailureLog;
  observer?: SinkObserver;
}

const RESENDING = 'Kafka send failed; retrying with a new producer';

/**
 * At-least-once publishing, for brokers without transactions: the events first, then the table records and
 * watermarks, the state records only after Kafka acknowledged all of those. A crash in between repeats those
 * changes on restart; none is lost, and the table never holds a presence the change topic does not.
 */
export class IdempotentPublisher {
  private producer: IdempotentProducer | undefined;
  private readonly failures: KafkaFailureLog;

  constructor(private readonly options: IdempotentPublisherOptions) {
    this.failures = options.failures ?? new KafkaFailureLog(options.logger);
  }

  async publish(batch: ShardBatch): Promise<void> {
    const started = performance.now();
    for (const { topic, records } of outputBatches(this.options, batch))
      await this.sendUntilAcknowledged(topic, records);
    this.options.observer?.onPublished?.({ records: batch.events.length, durationMs: performance.now() - started });
    const partition = this.options.statePartitionOf(batch.shard);
    await this.sendUntilAcknowledged(
      this.options.stateTopic,
      batch.state.map((record) => ({ ...record, partition })),
    );
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  private async sendUntilAcknowledged(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    let failedAttempts = 0;
    try {
      await retry(() => this.sendOnce(topic, records), {
        policy: this.options.retry,
        signal: this.options.closing,
        onRetry: ({ error, attempt, delayMs }) => {
          failedAttempts = attempt;
          this.options.observer?.onSendError?.({ error, attempt, retryInMs: delayMs });
          this.failures.failed(RESENDING, error, { topic, attempt, retryInMs: delayMs });
        },
      });
      if (failedAttempts > 0)
        this.failures.recovered(RESENDING, 'Kafka sends succeed again', { topic, failedAttempts });
    } catch (error) {
      if (this.options.closing.aborted && isRetriable(error)) {
        throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'sink closed before Kafka acknowledged the records', {
          cause: toError(error),
        });
      }
      throw error;
    }
  }

  /**
   * After a failed send the idempotent producer's sequence numbers may no longer match the broker's: by the
   * producer contract of src/kafka (types.ts) it is discarded, and a fresh producer starts a clean session before
   * the records are sent again.
   */
  private async sendOnce(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    try {
      const producer = await this.ensureProducer();
      await producer.send({ topic, records });
    } catch (error) {
      await this.discardProducer();
      throw error;
    }
  }

  private async ensureProducer(): Promise<IdempotentProducer> {
    this.producer ??= await this.options.kafka.idempotentProducer({ compression: this.options.compression });
    return this.producer;
  }

  private async discardProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await discardProducer(producer, this.options.logger);
  }
}
