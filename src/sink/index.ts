export { KafkaSink, type KafkaSinkOptions } from './kafka-sink.js';
export type { EventSink, SinkRecord, SinkObserver } from './types.js';
