export { KafkaSink, type KafkaSinkOptions } from './kafka-sink.js';
export { statePartitionOf } from './partition.js';
export type { EventSink, SinkRecord, SinkObserver, ShardBatch, DeliveryMode, StoredStateRecord } from './types.js';
export {
  startTopicReader,
  type TopicReader,
  type TopicRecord,
  type TopicReaderOptions,
  type TopicReaderLogEntry,
} from './topic-reader.js';
