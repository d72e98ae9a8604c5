/**
 * @confluentinc/kafka-javascript through its KafkaJS-compatible API (librdkafka underneath), set up as the
 * connector sets kafkajs: transactional id, idempotence, acks from every in-sync replica, gzip, no topic
 * auto-creation. Compression and acks are per producer there, not per send. The partitioner is fixed to
 * murmur2_random (Java-compatible, like kafkajs's DefaultPartitioner) by the library itself.
 */
import type { OutgoingRecord } from '../../../src/kafka/index.js';
import {
  errorChain,
  fieldOf,
  messageOf,
  type ClientTransaction,
  type ClientUnderTest,
  type ErrorFacts,
} from './client.js';
import { exported, importOptional, installedVersion } from './optional-module.js';

const PACKAGE = '@confluentinc/kafka-javascript';

/** The part of the KafkaJS-compatible API used here (types/kafkajs.d.ts of the package). */
interface ConfluentMessage {
  key: string;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  partition?: number;
}
interface ConfluentTransaction {
  sendBatch(batch: { topicMessages: { topic: string; messages: ConfluentMessage[] }[] }): Promise<unknown>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
interface ConfluentProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  transaction(): Promise<ConfluentTransaction>;
}
interface ConfluentKafka {
  producer(config: Record<string, unknown>): ConfluentProducer;
}
interface ConfluentKafkaJs {
  Kafka: new (config: Record<string, unknown>) => ConfluentKafka;
  logLevel: { NOTHING: number };
  CompressionTypes: { GZIP: string; None: string };
  ErrorCodes: Record<string, number>;
}

/** librdkafka's codes for "another producer has this transactional id now" (lib/error.js). */
const FENCED_CODE_NAMES = ['ERR__FENCED', 'ERR_PRODUCER_FENCED', 'ERR_INVALID_PRODUCER_EPOCH'];

export async function confluentClient(): Promise<ClientUnderTest> {
  const kafkaJs = exported<ConfluentKafkaJs>(await importOptional(PACKAGE), 'KafkaJS');
  const fencedCodes = new Set(FENCED_CODE_NAMES.map((name) => kafkaJs.ErrorCodes[name]));
  return {
    name: 'confluent',
    version: `${PACKAGE} ${installedVersion(PACKAGE)}`,
    async transactionalProducer(settings) {
      const kafka = new kafkaJs.Kafka({
        kafkaJS: { brokers: settings.brokers, clientId: 'client-move-confluent', logLevel: kafkaJs.logLevel.NOTHING },
      });
      const producer = kafka.producer({
        kafkaJS: {
          transactionalId: settings.transactionalId,
          idempotent: true,
          transactionTimeout: settings.transactionTimeoutMs,
          acks: -1,
          compression: settings.compression === 'gzip' ? kafkaJs.CompressionTypes.GZIP : kafkaJs.CompressionTypes.None,
          allowAutoTopicCreation: false,
        },
      });
      // connect() runs InitProducerId (init_transactions), which fences older producers of the id.
      await producer.connect();
      return {
        async begin(): Promise<ClientTransaction> {
          const transaction = await producer.transaction();
          return {
            async send(batches) {
              await transaction.sendBatch({
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
    describeError: (error) => describeError(error, fencedCodes),
  };
}

function describeError(error: unknown, fencedCodes: ReadonlySet<number | undefined>): ErrorFacts {
  const chain = errorChain(error);
  const codes = chain.map((entry) => fieldOf(entry, 'code')).filter((code) => typeof code === 'number');
  const types = chain.map((entry) => fieldOf(entry, 'type')).filter((type) => typeof type === 'string');
  const flags = ['fatal', 'abortable', 'retriable'].filter((flag) => fieldOf(error, flag) === true);
  const retriable = fieldOf(error, 'retriable');
  return {
    kind: [error instanceof Error ? error.name : typeof error, ...new Set(types), ...flags].join(' '),
    message: messageOf(error),
    fenced: codes.some((code) => fencedCodes.has(code)),
    retriable: typeof retriable === 'boolean' ? retriable : undefined,
  };
}

function toMessage(record: OutgoingRecord): ConfluentMessage {
  return {
    key: record.key,
    value: record.value,
    ...(record.headers === undefined ? {} : { headers: record.headers }),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
  };
}
