/**
 * @platformatic/kafka (pure JavaScript, Node 22+), set up as the connector sets kafkajs. Two settings differ from
 * its defaults on purpose:
 * - `partitioner: compatibilityPartitioner`: its default partitioner takes murmur2 `>>> 0`, not Java's
 *   `& 0x7fffffff`, so keyed records would land on other partitions than kafkajs and the Java clients put them;
 * - `timeout`: it is both the request timeout and the transaction.timeout.ms its InitProducerId asks for (5 s by
 *   default), so it is set to the connector's transaction timeout.
 * Its producer sends InitProducerId with producer id 0 and epoch 0 unless told otherwise, which the broker reads as
 * "bump the epoch of producer 0": for a transactional id the broker already knows (a restarted worker, a takeover)
 * it answers PRODUCER_FENCED. `reinit` passes -1/-1, the protocol's "new producer", through the producer options.
 * Keys and header values are strings, as the connector's records carry them; string serializers turn them into bytes.
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

const PACKAGE = '@platformatic/kafka';

/** The part of the API used here (dist/clients/producer/*.d.ts of the package). */
interface PlatformaticMessage {
  topic: string;
  key: string;
  value: Buffer | undefined;
  headers?: Record<string, string>;
  partition?: number;
}
interface PlatformaticTransaction {
  send(options: { messages: PlatformaticMessage[] }): Promise<unknown>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** Forgets the transaction on the client side only: no request. */
  cancel(): Promise<void>;
}
interface PlatformaticProducer {
  beginTransaction(): Promise<PlatformaticTransaction>;
  close(): Promise<void>;
}
type Serializer = (data?: string) => Buffer | undefined;
type Partitioner = (message: unknown, key?: Buffer) => number;
type ProducerConstructor = new (options: Record<string, unknown>) => PlatformaticProducer;

/** Protocol error names that mean another producer took the transactional id over. */
const FENCED_API_IDS = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_NOT_FOUND']);

export async function platformaticClient(reinit: boolean): Promise<ClientUnderTest> {
  const module = await importOptional(PACKAGE);
  const Producer = exported<ProducerConstructor>(module, 'Producer');
  const stringSerializer = exported<Serializer>(module, 'stringSerializer');
  const compatibilityPartitioner = exported<Partitioner>(module, 'compatibilityPartitioner');
  return {
    name: reinit ? 'platformatic-reinit' : 'platformatic',
    version: `${PACKAGE} ${installedVersion(PACKAGE)}${reinit ? ' (InitProducerId -1/-1)' : ''}`,
    async transactionalProducer(settings) {
      const producer = new Producer({
        clientId: 'client-move-platformatic',
        bootstrapBrokers: settings.brokers,
        transactionalId: settings.transactionalId,
        idempotent: true,
        acks: -1,
        compression: settings.compression,
        autocreateTopics: false,
        timeout: settings.transactionTimeoutMs,
        retries: 5,
        retryDelay: 100,
        partitioner: compatibilityPartitioner,
        serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
        ...(reinit ? { producerId: -1n, producerEpoch: -1 } : {}),
      });
      // beginTransaction runs FindCoordinator and InitProducerId, which fences older producers of the id. An empty
      // transaction cannot be aborted (abort() sends EndTxn anyway and the broker answers INVALID_TXN_STATE): it
      // is cancelled, which only forgets it on the client side.
      const warmUp = await producer.beginTransaction();
      await warmUp.cancel();
      return {
        async begin(): Promise<ClientTransaction> {
          const transaction = await producer.beginTransaction();
          return {
            async send(batches) {
              await transaction.send({
                messages: batches.flatMap((batch) => batch.records.map((record) => toMessage(batch.topic, record))),
              });
            },
            commit: () => transaction.commit(),
            abort: () => transaction.abort(),
          };
        },
        close: () => producer.close(),
      };
    },
    describeError,
  };
}

function describeError(error: unknown): ErrorFacts {
  const chain = errorChain(error);
  const apiIds = chain.map((entry) => fieldOf(entry, 'apiId')).filter((id) => typeof id === 'string');
  const codes = chain.map((entry) => fieldOf(entry, 'code')).filter((code) => typeof code === 'string');
  const canRetry = chain.map((entry) => fieldOf(entry, 'canRetry')).find((flag) => typeof flag === 'boolean');
  return {
    kind: [error instanceof Error ? error.name : typeof error, ...new Set([...codes, ...apiIds])].join(' '),
    message: chain.map(messageOf).join(' <- '),
    fenced: apiIds.some((id) => FENCED_API_IDS.has(id)),
    retriable: canRetry,
  };
}

function toMessage(topic: string, record: OutgoingRecord): PlatformaticMessage {
  return {
    topic,
    key: record.key,
    value: typeof record.value === 'string' ? Buffer.from(record.value) : (record.value ?? undefined),
    ...(record.headers === undefined ? {} : { headers: record.headers }),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
  };
}
