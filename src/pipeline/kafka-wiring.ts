import type { ConnectorConfig } from '../config/index.js';
import { toError } from '../errors.js';
import type { ConnectorMetrics, Logger } from '../observability/index.js';
import { KafkaCoordinator, KafkaSink, type KafkaConnectionOptions } from '../sink/index.js';
import type { WorkerHealth } from './worker-health.js';

export function kafkaConnection(config: ConnectorConfig, logger: Logger): KafkaConnectionOptions {
  return {
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    connectionTimeoutMs: config.kafka.connectionTimeoutMs,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    logger: logger.child({ component: 'kafka' }),
    ...(config.kafka.tls === undefined ? {} : { ssl: config.kafka.tls }),
    ...(config.kafka.sasl === undefined ? {} : { sasl: config.kafka.sasl }),
  };
}

export function createKafkaSink(
  config: ConnectorConfig,
  logger: Logger,
  metrics: ConnectorMetrics,
  health: WorkerHealth,
): KafkaSink {
  return new KafkaSink({
    ...kafkaConnection(config, logger),
    connectorName: config.connectorName,
    topic: config.kafka.topic,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    stateTopic: config.kafka.stateTopic,
    statePartitions: config.kafka.statePartitions,
    delivery: config.kafka.delivery,
    transactionTimeoutMs: config.kafka.transactionTimeoutMs,
    compression: config.kafka.compression,
    maxBufferedRecords: config.kafka.maxBufferedEvents,
    retry: { initialMs: 500, maxMs: 10_000 },
    observer: {
      onPublished: ({ durationMs }) => {
        metrics.kafkaPublishDuration.observe(durationMs / 1000);
        health.recordSinkSuccess();
      },
      onSendError: ({ error }) => {
        metrics.kafkaSendErrors.inc();
        health.recordSinkFailure(toError(error).message);
      },
      onTransaction: ({ outcome }) => metrics.kafkaTransactions.inc({ outcome }),
      onFenced: () => metrics.kafkaFenced.inc(),
    },
  });
}

export function createCoordinator(config: ConnectorConfig, logger: Logger): KafkaCoordinator {
  return new KafkaCoordinator({
    ...kafkaConnection(config, logger),
    topic: config.assignment.coordinationTopic,
    groupId: `${config.connectorName}.workers`,
    replicationFactor: config.kafka.replicationFactor,
    sessionTimeoutMs: config.assignment.sessionTimeoutMs,
    heartbeatIntervalMs: config.assignment.heartbeatIntervalMs,
  });
}
