import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

/** How to reach the cluster: everything the Kafka client needs before any topic is named. */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  logger: Logger;
}

export function createKafkaClient(options: KafkaConnectionOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafkaEntry(options.logger, entry),
    // Few retries inside kafkajs: the publishers retry forever with a fresh producer and report each failure,
    // so readiness turns false within seconds of Kafka going away.
    retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
}

function logKafkaEntry(logger: Logger, entry: LogEntry): void {
  const { message, ...fields } = entry.log;
  const context = { kafka: entry.namespace, ...fields };
  if (entry.level === KafkaLogLevel.ERROR) logger.error(context, message);
  else if (entry.level === KafkaLogLevel.WARN) logger.warn(context, message);
  else logger.debug(context, message);
}
