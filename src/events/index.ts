export {
  createPresenceEventCodec,
  PRESENCE_SCHEMA_PATH,
  EVENT_HEADERS,
  AVRO_CONTENT_TYPE,
  type PresenceEventCodec,
} from './codec.js';
export {
  buildPresenceEvent,
  type PresenceChangeEvent,
  type PreviousObservation,
  type EventContext,
  type ChangeKind,
} from './event.js';
export { crc64Avro, crc64AvroHex } from './fingerprint.js';
