export {
  createPresenceEventCodec,
  PRESENCE_SCHEMA_PATH,
  type AvroSchemaIdentity,
  type PresenceEventCodec,
} from './codec.js';
export {
  createWatermarkCodec,
  WATERMARK_SCHEMA_PATH,
  type PresenceWatermark,
  type WatermarkCodec,
} from './watermark.js';
export {
  buildPresenceEvent,
  buildRemovedEvent,
  isKnownChangeKind,
  UNKNOWN_PRESENCE,
  type PresenceChangeEvent,
  type DecodedPresenceChangeEvent,
  type PreviousObservation,
  type EventContext,
  type ChangeKind,
} from './event.js';
export {
  createEventHeaderBuilder,
  eventSource,
  eventType,
  CLOUDEVENTS_HEADERS,
  CLOUDEVENTS_SPEC_VERSION,
  EVENT_HEADER_MODES,
  EVENT_TYPE_PREFIX,
  RAW_AVRO_CONTENT_TYPE,
  CONFLUENT_AVRO_CONTENT_TYPE,
  type EventHeaderBuilder,
  type EventHeaderMode,
  type EventHeaderOptions,
} from './headers.js';
export { crc64Avro, crc64AvroHex } from './fingerprint.js';
