import type { ConnectorConfig } from '../config/index.js';
import { createKafkaCluster, type KafkaCluster, type KafkaConnectionOptions } from '../kafka/index.js';
import type { Logger } from '../observability/index.js';
import { ShardCoordinator, StateTopicReader } from '../shard-ownership/index.js';
import { KafkaSink, type SinkObserver } from '../sink/index.js';

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

/** One handle on the cluster for the sink, the state restore and the coordinator of a worker. */
export function createCluster(config: ConnectorConfig, logger: Logger): KafkaCluster {
  return createKafkaCluster(kafkaConnection(config, logger));
}

export function createKafkaSink(
  config: ConnectorConfig,
  kafka: KafkaCluster,
  logger: Logger,
  observer: SinkObserver,
): KafkaSink {
  return new KafkaSink({
    kafka,
    logger: logger.child({ component: 'kafka' }),
    connectorName: config.connectorName,
    topic: config.kafka.topic,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    stateTopic: config.kafka.stateTopic,
    statePartitions: config.kafka.statePartitions,
    ...(config.kafka.table === undefined ? {} : { table: config.kafka.table }),
    ...(config.kafka.watermarkTopic === undefined ? {} : { watermarkTopic: config.kafka.watermarkTopic }),
    ...(config.discovery === undefined ? {} : { directoryTopic: config.discovery.topic }),
    delivery: config.kafka.delivery,
    transactionTimeoutMs: config.kafka.transactionTimeoutMs,
    compression: config.kafka.compression,
    maxBufferedRecords: config.kafka.maxBufferedEvents,
    retry: config.kafka.retry,
    observer,
  });
}

export function createStateReader(config: ConnectorConfig, kafka: KafkaCluster): StateTopicReader {
  return new StateTopicReader({
    kafka,
    clientId: config.kafka.clientId,
    stateTopic: config.kafka.stateTopic,
    statePartitions: config.kafka.statePartitions,
  });
}

export function createCoordinator(config: ConnectorConfig, kafka: KafkaCluster, logger: Logger): ShardCoordinator {
  return new ShardCoordinator({
    kafka,
    logger: logger.child({ component: 'kafka' }),
    topic: config.assignment.coordinationTopic,
    groupId: `${config.connectorName}.workers`,
    replicationFactor: config.kafka.replicationFactor,
    sessionTimeoutMs: config.assignment.sessionTimeoutMs,
    heartbeatIntervalMs: config.assignment.heartbeatIntervalMs,
  });
}
