export { discardProducer } from './discard.js';
export { KafkaFailureLog } from './kafka-failure-log.js';
export { KafkaSink, type KafkaSinkOptions } from './kafka-sink.js';
export { statePartitionOf } from './partition.js';
export type { EventPublisher, SinkRecord, SinkObserver, ShardBatch, ShardProducers, DeliveryMode } from './types.js';
