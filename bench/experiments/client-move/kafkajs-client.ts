/**
 * kafkajs, the project's client, with the producer settings of src/kafka/producers.ts and bench/lib/kafka.ts: one
 * sendBatch over both topics per transaction, acks from every in-sync replica, one request in flight.
 */
import { createRequire } from 'node:module';
import { CompressionTypes, Partitioners, type Kafka, type Message } from 'kafkajs';
import type { OutgoingRecord } from '../../../src/kafka/index.js';
import { benchKafka } from '../../lib/kafka.js';
import {
  errorChain,
  fieldOf,
  messageOf,
  type ClientTransaction,
  type ClientUnderTest,
  type ErrorFacts,
} from './client.js';

/** As src/kafka/errors.ts reads a fencing: the protocol error type of the innermost kafkajs error. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_NOT_FOUND']);

export function kafkajsClient(): ClientUnderTest {
  const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
  return {
    name: 'kafkajs',
    version: `kafkajs ${version}`,
    async transactionalProducer(settings) {
      const kafka: Kafka = benchKafka(settings.brokers, 'client-move-kafkajs');
      const producer = kafka.producer({
        transactionalId: settings.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: settings.transactionTimeoutMs,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      // kafkajs sends InitProducerId lazily: an empty transaction does it now, as connectTransactionalProducer.
      const warmUp = await producer.transaction();
      await warmUp.abort();
      const compression = settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
      return {
        async begin(): Promise<ClientTransaction> {
          const transaction = await producer.transaction();
          return {
            async send(batches) {
              await transaction.sendBatch({
                acks: -1,
                compression,
                topicMessages: batches.map((batch) => ({ topic: batch.topic, messages: batch.records.map(toMessage) })),
              });
            },
            commit: () => transaction.commit(),
            abort: () => transaction.abort(),
          };
        },
        close: () => producer.disconnect(),
      };
    },
    describeError,
  };
}

function describeError(error: unknown): ErrorFacts {
  const chain = errorChain(error);
  const types = chain.map((entry) => fieldOf(entry, 'type')).filter((type) => typeof type === 'string');
  const innermost = chain.at(-1);
  const name = error instanceof Error ? error.name : typeof error;
  const retriable = fieldOf(innermost, 'retriable');
  return {
    kind: [name, ...new Set(types)].join(' '),
    message: messageOf(error),
    fenced: types.some((type) => FENCED_TYPES.has(type)),
    retriable: typeof retriable === 'boolean' ? retriable : undefined,
  };
}

function toMessage(record: OutgoingRecord): Message {
  return {
    key: record.key,
    value: record.value,
    ...(record.headers === undefined ? {} : { headers: record.headers }),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
  };
}
