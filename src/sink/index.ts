export { KafkaSink, type KafkaSinkOptions } from './kafka-sink.js';
export type { KafkaConnectionOptions } from './kafka-client.js';
export { statePartitionOf } from './partition.js';
export { KafkaCoordinator, type KafkaCoordinatorOptions, type ShardLayout } from './kafka-coordinator.js';
export type { ShardMembership } from './shard-membership.js';
export type { EventSink, SinkRecord, SinkObserver, ShardBatch, DeliveryMode, StoredStateRecord } from './types.js';
export {
  startTopicReader,
  type TopicReader,
  type TopicRecord,
  type TopicReaderOptions,
  type TopicReaderLogEntry,
} from './topic-reader.js';
