// First: kafkajs's own modules can be replaced only before kafkajs loads (see kafkajs-patches.ts).
import './kafkajs-first.js';
export { KAFKA_CLIENT_LOG_FIELD } from './client-log.js';
export { LogThrottle, REPEAT_LOG_INTERVAL_MS } from './log-throttle.js';
export { kafkaSecurityHint } from './security-hints.js';
export {
  type KafkaConnectionOptions,
  type KafkaEndpointOptions,
  type KafkaSaslOptions,
  type KafkaTlsOptions,
  type RevealableSecret,
} from './client.js';
export { createKafkaCluster } from './cluster.js';
export {
  startTopicReader,
  type TopicReader,
  type TopicRecord,
  type TopicReaderOptions,
  type TopicReaderLogEntry,
} from './topic-reader.js';
export type {
  GroupMembership,
  GroupMembershipOptions,
  IdempotentProducer,
  IdempotentProducerOptions,
  KafkaAdmin,
  KafkaCluster,
  KafkaCompression,
  KafkaTransaction,
  OutgoingRecord,
  PartitionRange,
  PartitionRecord,
  ReadPartitionsOptions,
  TopicBatch,
  TopicSpec,
  TransactionalProducer,
  TransactionalProducerOptions,
  WrittenBatch,
} from './types.js';
