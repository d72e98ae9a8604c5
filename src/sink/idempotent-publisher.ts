import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { PRODUCER_RETRY } from './kafka-client.js';
import type { ShardBatch, SinkObserver, SinkRecord } from './types.js';

export interface IdempotentPublisherOptions {
  kafka: Kafka;
  eventsTopic: string;
  stateTopic: string;
  statePartitionOf: (shard: string) => number;
  compression: CompressionTypes;
  retryDelayMs: (attempt: number) => number;
  closing: AbortSignal;
  logger: Logger;
  observer?: SinkObserver;
}

/**
 * At-least-once publishing, for brokers without transactions: the events first, the state records only after
 * Kafka acknowledged them. A crash between the two repeats those changes on restart; none is lost.
 */
export class IdempotentPublisher {
  private producer: Producer | undefined;

  constructor(private readonly options: IdempotentPublisherOptions) {}

  async publish(batch: ShardBatch): Promise<void> {
    const started = performance.now();
    await this.sendUntilAcknowledged(this.options.eventsTopic, batch.events);
    this.options.observer?.onPublished?.({ records: batch.events.length, durationMs: performance.now() - started });
    const partition = this.options.statePartitionOf(batch.shard);
    await this.sendUntilAcknowledged(this.options.stateTopic, batch.state, partition);
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  private async sendUntilAcknowledged(
    topic: string,
    records: readonly SinkRecord[],
    partition?: number,
  ): Promise<void> {
    if (records.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        const producer = await this.ensureProducer();
        await producer.send({
          topic,
          acks: -1,
          compression: this.options.compression,
          messages: records.map((record) => ({
            key: record.key,
            value: record.value,
            ...(record.headers === undefined ? {} : { headers: record.headers }),
            ...(partition === undefined ? {} : { partition }),
          })),
        });
        return;
      } catch (error) {
        await this.recover(toError(error), attempt);
      }
    }
  }

  /**
   * After a failed send the idempotent producer's sequence numbers may no longer match the broker's; a fresh
   * producer starts a clean session before the records are sent again.
   */
  private async recover(error: Error, attempt: number): Promise<void> {
    const retryInMs = this.options.retryDelayMs(attempt);
    this.options.observer?.onSendError?.({ error, attempt: attempt + 1, retryInMs });
    this.options.logger.warn(
      { err: error, attempt: attempt + 1, retryInMs },
      'Kafka send failed; retrying with a new producer',
    );
    const failed = this.producer;
    this.producer = undefined;
    await failed?.disconnect().catch((disconnectError: unknown) => {
      this.options.logger.debug({ err: disconnectError }, 'disconnecting the failed producer failed too');
    });
    if (!this.options.closing.aborted) {
      await sleep(retryInMs, undefined, { signal: this.options.closing }).catch(() => {
        // Woken early by close(): the check below turns it into SINK_CLOSED.
      });
    }
    if (this.options.closing.aborted) {
      throw new ConnectorError(ErrorCodes.SINK_CLOSED, 'sink closed before Kafka acknowledged the records', {
        cause: error,
      });
    }
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer !== undefined) return this.producer;
    const producer = this.options.kafka.producer({
      idempotent: true,
      // kafkajs keeps ordering with idempotence only with one request in flight per broker.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: PRODUCER_RETRY,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }
}
