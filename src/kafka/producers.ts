import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type Transaction } from 'kafkajs';
import { PRODUCER_RETRY } from './client.js';
import { mappingKafkaErrors, type KafkaFailureContext } from './errors.js';
import type {
  IdempotentProducer,
  IdempotentProducerOptions,
  KafkaCompression,
  KafkaTransaction,
  OutgoingRecord,
  TransactionalProducer,
  TransactionalProducerOptions,
} from './types.js';

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
    retry: PRODUCER_RETRY,
    allowAutoTopicCreation: false,
  });
  await connectOrDisconnect(producer, CLAIM, async () => {
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
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: PRODUCER_RETRY,
    allowAutoTopicCreation: false,
  });
  await connectOrDisconnect(producer, SEND, () => producer.connect());
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
 * transactions for us. The probe producer is closed whatever the answer.
 */
export async function probeTransactions(kafka: Kafka, transactionalId: string): Promise<void> {
  const probe = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  const context = { operation: 'probing Kafka transactions failed', transactional: 'claim' } as const;
  try {
    await mappingKafkaErrors(context, async () => {
      await probe.connect();
      const transaction = await probe.transaction();
      await transaction.abort();
    });
  } finally {
    await mappingKafkaErrors(context, () => probe.disconnect());
  }
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
        return metadata.flatMap((entry) =>
          entry.baseOffset === undefined
            ? []
            : [{ topic: entry.topicName, partition: entry.partition, baseOffset: entry.baseOffset }],
        );
      }),
    commit: () => mappingKafkaErrors(TRANSACTIONAL, () => transaction.commit()),
    abort: () => mappingKafkaErrors(TRANSACTIONAL, () => transaction.abort()),
  };
}

/** A producer whose connect or initialisation failed is closed, not left holding its connections. */
async function connectOrDisconnect(
  producer: Producer,
  context: KafkaFailureContext,
  connect: () => Promise<void>,
): Promise<void> {
  try {
    await mappingKafkaErrors(context, connect);
  } catch (error) {
    // The connect failure is the one to report; a failing disconnect of the same broken producer adds nothing.
    await producer.disconnect().catch(() => undefined);
    throw error;
  }
}

function toMessage(record: OutgoingRecord): Message {
  return {
    key: record.key,
    value: record.value,
    ...(record.headers === undefined ? {} : { headers: record.headers }),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
  };
}

function compressionType(compression: KafkaCompression): CompressionTypes {
  return compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}
