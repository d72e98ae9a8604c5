/**
 * One small contract that each Kafka client under test implements, shaped like the connector's own
 * TransactionalProducer (src/kafka/types.ts): the bench and the trap runs drive all three clients through it, so
 * that they send the same records in the same transactions and only the library differs.
 */
import type { KafkaCompression, TopicBatch } from '../../../src/kafka/index.js';

/** `platformatic-reinit`: @platformatic/kafka with the InitProducerId work-around (see platformatic-client.ts). */
export type ClientName = 'kafkajs' | 'confluent' | 'platformatic' | 'platformatic-reinit';
export const CLIENT_NAMES: readonly ClientName[] = ['kafkajs', 'confluent', 'platformatic', 'platformatic-reinit'];

export function isClientName(value: string): value is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(value);
}

export interface ProducerSettings {
  brokers: string[];
  transactionalId: string;
  /** transaction.timeout.ms asked of the coordinator (the connector's default is 60 s). */
  transactionTimeoutMs: number;
  compression: KafkaCompression;
}

/** One open transaction: the same three calls as the connector's KafkaTransaction. */
export interface ClientTransaction {
  send(batches: readonly TopicBatch[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A connected producer whose transactional id is initialised (older producers of the id are fenced). */
export interface ClientProducer {
  begin(): Promise<ClientTransaction>;
  close(): Promise<void>;
}

/** What code that catches a failure can read off it, in the terms each library offers. */
export interface ErrorFacts {
  /** Class name and the library's code or protocol error name, e.g. `KafkaJSProtocolError PRODUCER_FENCED`. */
  kind: string;
  message: string;
  /** The library's own word that another producer took the transactional id over, read the way its docs say. */
  fenced: boolean;
  /** The library's retriable flag, where it has one. */
  retriable: boolean | undefined;
}

export interface ClientUnderTest {
  name: ClientName;
  /** Package name and installed version. */
  version: string;
  /** Connects and initialises the transactional id, as connectTransactionalProducer does. */
  transactionalProducer(settings: ProducerSettings): Promise<ClientProducer>;
  describeError(error: unknown): ErrorFacts;
}

/** The innermost causes first-to-last: kafkajs and @platformatic/kafka both nest the protocol error. */
export function errorChain(error: unknown, depth = 6): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let level = 0; level < depth && current !== undefined && current !== null; level++) {
    chain.push(current);
    if (typeof current !== 'object') break;
    const record = current as { originalError?: unknown; cause?: unknown; errors?: unknown };
    const nested = Array.isArray(record.errors) ? (record.errors as unknown[])[0] : undefined;
    current = record.originalError ?? record.cause ?? nested;
  }
  return chain;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
