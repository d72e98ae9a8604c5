import {
  CompressionTypes,
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RecordMetadata,
  type Transaction,
} from 'kafkajs';
import { PRODUCER_RETRY } from './client.js';
import { closeAfter, kafkaDebugLog } from './closing.js';
import { mappingKafkaErrors, type KafkaFailureContext } from './errors.js';
import type {
  IdempotentProducer,
  IdempotentProducerOptions,
  KafkaCompression,
  KafkaTransaction,
  OutgoingRecord,
  TransactionalProducer,
  TransactionalProducerOptions,
  WrittenBatch,
} from './types.js';

/**
 * Named, though it is kafkajs 2's default, so that kafkajs has no reason to warn about a changed default and the
 * partitioning stays what it has been: Java-compatible murmur2 of the key, as Kafka's own clients hash, for the
 * events keyed by user id. State records name their partition and never reach the partitioner.
 */
const PARTITIONER = Partitioners.DefaultPartitioner;

const TRANSACTIONAL = { operation: 'Kafka transaction failed', transactional: 'owner' } as const;
const CLAIM = { operation: 'initialising the Kafka transactional id failed', transactional: 'claim' } as const;
const SEND = { operation: 'Kafka send failed' } as const;

/**
 * Connects a transactional producer and initialises its id at once: kafkajs sends InitProducerId lazily at the
 * first transaction, and doing it now is what fences older producers of the id and aborts what they left open.
 */
export async function connectTransactionalProducer(
  kafka: Kafka,
  options: TransactionalProducerOptions,
): Promise<TransactionalProducer> {
  const producer = kafka.producer({
    transactionalId: options.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: options.transactionTimeoutMs,
    createPartitioner: PARTITIONER,
    retry: PRODUCER_RETRY,
    allowAutoTopicCreation: false,
  });
  await connectOrDisconnect(kafka, producer, CLAIM, async () => {
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.abort();
  });
  const compression = compressionType(options.compression);
  return {
    begin: () =>
      mappingKafkaErrors(TRANSACTIONAL, async () => wrapTransaction(await producer.transaction(), compression)),
    disconnect: () => mappingKafkaErrors(TRANSACTIONAL, () => producer.disconnect()),
  };
}

export async function connectIdempotentProducer(
  kafka: Kafka,
  options: IdempotentProducerOptions,
): Promise<IdempotentProducer> {
  const producer = kafka.producer({
    idempotent: true,
    // kafkajs keeps ordering with idempotence only with one request in flight per broker.
    maxInFlightRequests: 1,
    createPartitioner: PARTITIONER,
    retry: PRODUCER_RETRY,
    allowAutoTopicCreation: false,
  });
  await connectOrDisconnect(kafka, producer, SEND, () => producer.connect());
  const compression = compressionType(options.compression);
  return {
    send: (batch) =>
      mappingKafkaErrors(SEND, async () => {
        await producer.send({ topic: batch.topic, acks: -1, compression, messages: batch.records.map(toMessage) });
      }),
    disconnect: () => mappingKafkaErrors(SEND, () => producer.disconnect()),
  };
}

/**
 * Starts a transaction with the probe's id and aborts it: the one question that tells whether the broker runs
 * transactions for us. The probe producer is closed whatever the answer; when the probe failed, its failure is the
 * answer, and a failing disconnect of the same producer is only logged at debug.
 */
export async function probeTransactions(kafka: Kafka, transactionalId: string): Promise<void> {
  const probe = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: PARTITIONER,
  });
  const context = { operation: 'probing Kafka transactions failed', transactional: 'claim' } as const;
  await closeAfter(
    () =>
      mappingKafkaErrors(context, async () => {
        await probe.connect();
        const transaction = await probe.transaction();
        await transaction.abort();
      }),
    () => mappingKafkaErrors(context, () => probe.disconnect()),
    kafkaDebugLog(kafka),
    'the transaction probe producer',
  );
}

function wrapTransaction(transaction: Transaction, compression: CompressionTypes): KafkaTransaction {
  return {
    send: (batches) =>
      mappingKafkaErrors(TRANSACTIONAL, async () => {
        const metadata = await transaction.sendBatch({
          acks: -1,
          compression,
          topicMessages: batches.map((batch) => ({ topic: batch.topic, messages: batch.records.map(toMessage) })),
        });
        return writtenBatches(metadata);
      }),
    commit: () => mappingKafkaErrors(TRANSACTIONAL, () => transaction.commit()),
    abort: () => mappingKafkaErrors(TRANSACTIONAL, () => transaction.abort()),
  };
}

/**
 * A producer whose connect or initialisation failed is closed, not left holding its connections. The connect
 * failure is the one to report; a failing disconnect of the same broken producer is only logged at debug.
 */
async function connectOrDisconnect(
  kafka: Kafka,
  producer: Producer,
  context: KafkaFailureContext,
  connect: () => Promise<void>,
): Promise<void> {
  try {
    await mappingKafkaErrors(context, connect);
  } catch (error) {
    await producer.disconnect().catch((disconnectError: unknown) => {
      kafkaDebugLog(kafka).debug('disconnecting a producer that failed to start failed too', {
        error: disconnectError instanceof Error ? disconnectError.message : String(disconnectError),
      });
    });
    throw error;
  }
}

/**
 * Where the broker put each batch it acknowledged. An entry without a base offset is left out: kafkajs has one
 * only from an answered produce request (acks not 0) of version 3 or later, and the caller compares it with
 * offsets it reads back, so an invented one would mislead it.
 */
export function writtenBatches(metadata: readonly RecordMetadata[]): WrittenBatch[] {
  return metadata.flatMap((entry) =>
    entry.baseOffset === undefined
      ? []
      : [{ topic: entry.topicName, partition: entry.partition, baseOffset: entry.baseOffset }],
  );
}

/** One record in kafkajs's shape: headers and partition only when given, so the partitioner picks otherwise. */
export function toMessage(record: OutgoingRecord): Message {
  return {
    key: record.key,
    value: record.value,
    ...(record.headers === undefined ? {} : { headers: record.headers }),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
  };
}

export function compressionType(compression: KafkaCompression): CompressionTypes {
  return compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}
