import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaClientLog, type KafkaLogLine } from './client-log.js';

// Where it was first defined; the connection-failure tests import it from here.
export { kafkaSecurityHint } from './security-hints.js';

/**
 * A secret handed to kafkajs and nowhere else. Structural, so that the config's `Secret` fits without src/kafka
 * importing the config module.
 */
export interface RevealableSecret {
  reveal(): string;
}

/** TLS to the brokers. */
export interface KafkaTlsOptions {
  /** PEM CA bundle trusted instead of Node's public roots (a private cluster CA); absent: the public roots. */
  caPem?: string;
  /** PEM client certificate (chain) for mTLS; needs `privateKey`. */
  certificatePem?: string;
  privateKey?: RevealableSecret;
  rejectUnauthorized: boolean;
  /** SNI and certificate name when the broker address is not the name in its certificate. */
  servername?: string;
}

export interface KafkaSaslOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: RevealableSecret;
}

/** Where and how to connect, without saying where the client's own log lines go. */
export interface KafkaEndpointOptions {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** TLS; absent: plaintext. */
  ssl?: KafkaTlsOptions;
  /** SASL authentication; absent: none. */
  sasl?: KafkaSaslOptions;
}

/** How to reach the cluster: everything the Kafka client needs before any topic is named. */
export interface KafkaConnectionOptions extends KafkaEndpointOptions {
  logger: Logger;
}

export type KafkaClientOptions = KafkaEndpointOptions &
  ({ logger: Logger } | { onLog: (line: KafkaLogLine) => void }) & {
    /** kafkajs-internal retries per request; default 2 (the publishers retry on their own). */
    retries?: number;
  };

/**
 * Producers retry a little more inside kafkajs than the client does: right after a commit the coordinator
 * answers CONCURRENT_TRANSACTIONS for a few milliseconds while it writes the markers, and replaying the whole
 * batch with a new producer for that would be wasteful. Still bounded, so a dead broker is reported in seconds.
 * Not a setting: these only decide how soon a failure reaches the publishers' own retry loop, whose backoff is
 * the operator's (kafka.retry); exposing both would give two knobs for one behaviour.
 */
export const PRODUCER_RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 };

/** The one place a kafkajs client is built, so TLS, SASL and logging are the same for every Kafka user here. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  // One mapping per client: its producers and consumers share the once-per-interval reports (client-log.ts).
  const mapping = new KafkaClientLog();
  const log =
    'logger' in options
      ? (entry: LogEntry) => mapping.toPino(options.logger, entry)
      : (entry: LogEntry) => options.onLog(mapping.toLine(entry));
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    ...(options.ssl === undefined ? {} : { ssl: tlsConnectionOptions(options.ssl) }),
    ...(options.sasl === undefined ? {} : { sasl: saslOptions(options.sasl) }),
    logLevel: clientLogLevel(options),
    logCreator: () => log,
    // Few retries inside kafkajs: the publishers retry forever with a fresh producer and report each failure,
    // so readiness turns false within seconds of Kafka going away. Not a setting, for the reason PRODUCER_RETRY
    // gives: the operator tunes the outer loop (kafka.retry), not this inner one.
    retry: { retries: options.retries ?? 2, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
}

/**
 * kafkajs's info lines (a consumer joined, a producer started) go to our debug level, so with debug on they are
 * there too; its debug level (every request and answer) stays off. Without debug, warn and error are all it needs to
 * hand over: the info lines would be formatted for nothing.
 */
function clientLogLevel(options: KafkaClientOptions): KafkaLogLevel {
  return 'logger' in options && options.logger.isLevelEnabled('debug') ? KafkaLogLevel.INFO : KafkaLogLevel.WARN;
}

/** Exported for tests: what reaches `tls.connect`. */
export function tlsConnectionOptions(ssl: KafkaTlsOptions): ConnectionOptions {
  return {
    rejectUnauthorized: ssl.rejectUnauthorized,
    ...(ssl.caPem === undefined ? {} : { ca: ssl.caPem }),
    ...(ssl.certificatePem === undefined ? {} : { cert: ssl.certificatePem }),
    ...(ssl.privateKey === undefined ? {} : { key: ssl.privateKey.reveal() }),
    ...(ssl.servername === undefined ? {} : { servername: ssl.servername }),
  };
}

function saslOptions(sasl: KafkaSaslOptions): SASLOptions {
  const credentials = { username: sasl.username, password: sasl.password.reveal() };
  // One literal per mechanism: kafkajs types SASLOptions as a union discriminated by it.
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', ...credentials };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', ...credentials };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', ...credentials };
  }
}
