import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

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

/** One kafkajs log line, for clients that report to something other than a pino logger (the topic reader). */
export interface KafkaLogLine {
  level: 'error' | 'warn' | 'debug';
  namespace: string;
  message: string;
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
  const log =
    'logger' in options
      ? (entry: LogEntry) => logKafkaEntry(options.logger, entry)
      : (entry: LogEntry) => options.onLog(toLogLine(entry));
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    ...(options.ssl === undefined ? {} : { ssl: tlsConnectionOptions(options.ssl) }),
    ...(options.sasl === undefined ? {} : { sasl: saslOptions(options.sasl) }),
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => log,
    // Few retries inside kafkajs: the publishers retry forever with a fresh producer and report each failure,
    // so readiness turns false within seconds of Kafka going away. Not a setting, for the reason PRODUCER_RETRY
    // gives: the operator tunes the outer loop (kafka.retry), not this inner one.
    retry: { retries: options.retries ?? 2, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
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

/**
 * What to change when a connection fails for a security reason. kafkajs passes on OpenSSL's and the broker's words,
 * which name the symptom ("unable to verify the first certificate", "alert bad certificate") but not the setting.
 */
const SECURITY_HINTS: ReadonlyArray<{ pattern: RegExp; hint: string }> = [
  {
    pattern:
      /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate has expired|not yet valid/i,
    hint: 'the broker certificate is not trusted: set kafka.tls.caFile to the CA bundle that signed it',
  },
  {
    pattern: /does not match certificate's altnames|Hostname\/IP does not match/i,
    hint: 'the broker certificate does not name the address connected to: fix kafka.brokers or set kafka.tls.servername',
  },
  {
    pattern: /alert (bad certificate|certificate required|unknown ca)|SSL alert number (42|48|116)/i,
    hint: 'the broker refused the TLS handshake: it probably requires a client certificate (kafka.tls.certFile and key) signed by a CA it trusts',
  },
  {
    pattern: /wrong version number|packet length too long|unexpected eof|socket hang up.*ssl/i,
    hint: 'TLS and plaintext mixed up: kafka.tls.enabled must match the listener (SSL/SASL_SSL need it, PLAINTEXT/SASL_PLAINTEXT must not)',
  },
  {
    pattern: /SASL .*authentication failed|invalid credentials|Invalid username or password/i,
    hint: 'the broker refused the SASL credentials: check kafka.sasl.mechanism, kafka.sasl.username and the password',
  },
  {
    pattern: /UNSUPPORTED_SASL_MECHANISM|unsupported SASL mechanism|ILLEGAL_SASL_STATE/i,
    hint: 'the listener does not offer this SASL mechanism (or no SASL at all): check kafka.sasl.mechanism against the broker',
  },
];

/** A hint naming the setting to fix, for connection failures caused by TLS or SASL; undefined otherwise. */
export function kafkaSecurityHint(message: string): string | undefined {
  return SECURITY_HINTS.find(({ pattern }) => pattern.test(message))?.hint;
}

function toLogLine(entry: LogEntry): KafkaLogLine {
  const level = entry.level === KafkaLogLevel.ERROR ? 'error' : entry.level === KafkaLogLevel.WARN ? 'warn' : 'debug';
  const hint = level === 'debug' ? undefined : kafkaSecurityHint(securityText(entry));
  return {
    level,
    namespace: entry.namespace,
    message: hint === undefined ? entry.log.message : `${entry.log.message} (${hint})`,
  };
}

/** kafkajs puts the underlying reason sometimes in the message, sometimes in an `error` field. */
function securityText(entry: LogEntry): string {
  const error = 'error' in entry.log ? entry.log['error'] : undefined;
  return typeof error === 'string' ? `${entry.log.message} ${error}` : entry.log.message;
}

/**
 * The field of a pino line that marks it as the Kafka client's own, naming the client's part (Consumer,
 * Connection...): readers of the log (the demo) filter on it instead of on whatever the library calls itself.
 */
export const KAFKA_CLIENT_LOG_FIELD = 'kafkaClient';

/** Exported for tests: one kafkajs log entry as a pino line, marked with {@link KAFKA_CLIENT_LOG_FIELD}. */
export function logKafkaEntry(logger: Logger, entry: LogEntry): void {
  // kafkajs's own `logger: "kafkajs"` is dropped: the field above says where the line comes from.
  const { message, logger: _library, ...fields } = entry.log;
  const hint =
    entry.level === KafkaLogLevel.ERROR || entry.level === KafkaLogLevel.WARN
      ? kafkaSecurityHint(securityText(entry))
      : undefined;
  const context = { ...fields, [KAFKA_CLIENT_LOG_FIELD]: entry.namespace, ...(hint === undefined ? {} : { hint }) };
  if (entry.level === KafkaLogLevel.ERROR) logger.error(context, message);
  else if (entry.level === KafkaLogLevel.WARN) logger.warn(context, message);
  else logger.debug(context, message);
}
