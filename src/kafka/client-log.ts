/**
 * kafkajs's own log lines, in the connector's terms. kafkajs logs at error whatever it meets, also what it retries
 * itself or treats as success, and one line per attempt with the stack: with Kafka down that was a stack trace every
 * second. Here each line is kept at debug in full, and only what an operator should know is repeated above it: at
 * warn or error, once per cause per interval, with the count of repeats held back, never with a stack.
 */
import { logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaSecurityHint } from './security-hints.js';
import { LogThrottle } from './log-throttle.js';

/**
 * The field of a pino line that marks it as the Kafka client's own, naming the client's part (Consumer,
 * Connection...): readers of the log (the demo) filter on it instead of on whatever the library calls itself.
 */
export const KAFKA_CLIENT_LOG_FIELD = 'kafkaClient';

/** One kafkajs log line, for clients that report to something other than a pino logger (the topic reader). */
export interface KafkaLogLine {
  level: 'error' | 'warn' | 'debug';
  namespace: string;
  message: string;
}

/**
 * Lines that tell an operator nothing to act on, each for a reason; they stay at debug.
 */
const BENIGN: ReadonlyArray<{ namespace?: string; pattern: RegExp }> = [
  // We bound the idempotent producers' retries on purpose (PRODUCER_RETRY): the publishers replay a failed batch
  // with a new producer, which is what keeps exactly-once. kafkajs says so once per producer.
  { namespace: 'Producer', pattern: /^Limiting retries for the idempotent producer/ },
  // Our producers name their partitioner (producers.ts), so this should not come; if a producer forgets, the
  // partitioning is kafkajs 2's default, the one we use.
  { pattern: /switched default partitioner/ },
  // A broker's error answer goes back to the request's caller: kafkajs retries it (CONCURRENT_TRANSACTIONS right
  // after a commit, a coordinator loading or moving, a leader changing, a rebalance) or takes it as success
  // (CreateTopics answering TOPIC_ALREADY_EXISTS, logged as "Topic creation errors"). What is left reaches the
  // connector as an error, and is reported where it is handled.
  { namespace: 'Connection', pattern: /^Response / },
  { pattern: /another concurrent operation on the same transaction/ },
  // kafkajs retries the send, then hands the failure to the publisher, which reports it.
  { pattern: /^Failed to send messages: / },
  // The Connection line of the same failure names the broker and the cause.
  { namespace: 'BrokerPool', pattern: /^Failed to connect to seed broker, trying another broker/ },
  { pattern: /^Restarting the consumer in \d+ms/ },
  // A controller moving while topics are created: kafkajs retries.
  { pattern: /^Could not create topics/ },
  // Group rebalances: members joining and leaving is how the worker group shares its shards.
  { pattern: /^The group is rebalancing, re-joining/ },
  { pattern: /^The coordinator is not aware of this member, re-joining the group/ },
  { pattern: /, resync group$/ },
  { pattern: /^Consumer is not aware of all assigned partitions, refreshing metadata/ },
];

/**
 * A broker out of reach: transient by nature, and the connector retries until it is back (readiness says so
 * meanwhile), so a warning rather than an error, whatever level kafkajs gave it.
 */
const CONNECTION_FAILURE =
  /Connection (error|timeout)|Closed connection|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Not connected|KafkaJSConnection|KafkaJSNumberOfRetriesExceeded|KafkaJSBrokerNotFound|There is no leader/;

export type KafkaLogVerdict = { level: 'debug' } | { level: 'warn' | 'error'; key: string; hint?: string };

/** What one kafkajs line is worth to an operator. Exported for tests. */
export function classifyKafkaLog(entry: LogEntry): KafkaLogVerdict {
  if (entry.level !== logLevel.ERROR && entry.level !== logLevel.WARN) return { level: 'debug' };
  const message = messageOf(entry);
  const benign = BENIGN.some(
    (rule) => (rule.namespace === undefined || rule.namespace === entry.namespace) && rule.pattern.test(message),
  );
  if (benign) return { level: 'debug' };
  const text = reasonText(entry);
  const hint = kafkaSecurityHint(text);
  const broker = stringField(entry, 'broker') ?? '';
  const key = `${entry.namespace}|${broker}|${message}`;
  // A wrong certificate or password needs a person: an error, and the hint names the setting to fix.
  if (hint !== undefined) return { level: 'error', key, hint };
  if (CONNECTION_FAILURE.test(text)) return { level: 'warn', key };
  return { level: entry.level === logLevel.ERROR ? 'error' : 'warn', key };
}

/** One kafkajs line as the connector logs it. */
export interface MappedKafkaLog {
  namespace: string;
  message: string;
  /** kafkajs's fields, its stack included, less its `logger: "kafkajs"`: every line is logged at debug with them. */
  fields: Record<string, unknown>;
  /** The same line above debug, when it is worth it and not a repeat within the interval: no stack, its repeats. */
  report?: { level: 'warn' | 'error'; fields: Record<string, unknown> };
}

/**
 * The mapping of one Kafka client's lines: one throttle per client, so the producers of all shards share it and a
 * broker that is down is reported once per interval, not once per producer.
 */
export class KafkaClientLog {
  constructor(private readonly throttle: LogThrottle = new LogThrottle()) {}

  map(entry: LogEntry): MappedKafkaLog {
    // kafkajs's own `logger: "kafkajs"` is dropped: KAFKA_CLIENT_LOG_FIELD says where the line comes from.
    const { message: _message, logger: _library, ...rest } = entry.log;
    const message = messageOf(entry);
    const fields: Record<string, unknown> = { ...rest, [KAFKA_CLIENT_LOG_FIELD]: entry.namespace };
    const verdict = classifyKafkaLog(entry);
    if (verdict.level === 'debug') return { namespace: entry.namespace, message, fields };
    if (verdict.hint !== undefined) fields['hint'] = verdict.hint;
    const repeats = this.throttle.admit(verdict.key);
    if (repeats === undefined) return { namespace: entry.namespace, message, fields };
    const { stack: _stack, ...withoutStack } = fields;
    return {
      namespace: entry.namespace,
      message,
      fields,
      report: { level: verdict.level, fields: repeats === 0 ? withoutStack : { ...withoutStack, repeats } },
    };
  }

  /** Every line at debug; a report also at its level. */
  toPino(logger: Logger, entry: LogEntry): void {
    const mapped = this.map(entry);
    logger.debug(mapped.fields, mapped.message);
    if (mapped.report !== undefined) logger[mapped.report.level](mapped.report.fields, mapped.message);
  }

  /** For a plain callback: a report at its level (with the hint), anything else at debug. */
  toLine(entry: LogEntry): KafkaLogLine {
    const mapped = this.map(entry);
    const hint = mapped.fields['hint'];
    const message = typeof hint === 'string' ? `${mapped.message} (${hint})` : mapped.message;
    return { level: mapped.report?.level ?? 'debug', namespace: mapped.namespace, message };
  }
}

/** kafkajs's message is a string, except where it logs an Error object as its message (BrokerPool). */
function messageOf(entry: LogEntry): string {
  const message: unknown = entry.log.message;
  if (typeof message === 'string') return message;
  return message instanceof Error ? message.message : String(message);
}

/** kafkajs puts the underlying reason sometimes in the message, sometimes in an `error` field. */
function reasonText(entry: LogEntry): string {
  const error = stringField(entry, 'error');
  return error === undefined ? messageOf(entry) : `${messageOf(entry)} ${error}`;
}

function stringField(entry: LogEntry, name: string): string | undefined {
  const value: unknown = entry.log[name];
  return typeof value === 'string' ? value : undefined;
}
