export { KafkaSink, type KafkaSinkOptions } from './kafka-sink.js';
export type { EventSink, SinkRecord, SinkObserver } from './types.js';
export { startTopicReader, type TopicReader, type TopicReaderOptions, type TopicRecord, type TopicReaderLogEntry } from './topic-reader.js';
