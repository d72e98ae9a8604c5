import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { crc64AvroHex } from './fingerprint.js';
import type { PresenceChangeEvent } from './event.js';

/** Where the .avsc contract lives; in a build, `npm run build` copies schemas/ beside dist/src. */
export const PRESENCE_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/presence-change.avsc', import.meta.url));

export const EVENT_HEADERS = {
  contentType: 'content-type',
  schemaName: 'schema-name',
  schemaFingerprint: 'schema-fingerprint',
  eventId: 'event-id',
  eventKind: 'event-kind',
} as const;

export const AVRO_CONTENT_TYPE = 'avro/binary';

export interface PresenceEventCodec {
  /** Full name of the record schema, e.g. io.github.presenceconnector.v1.PresenceChange */
  readonly schemaName: string;
  /** CRC-64-AVRO of the schema's canonical form, hex. */
  readonly schemaFingerprint: string;
  /** The .avsc text as published (with docs), for registries and consumers. */
  readonly schemaText: string;
  encode(event: PresenceChangeEvent): Buffer;
  decode(value: Buffer): PresenceChangeEvent;
  headers(event: PresenceChangeEvent): Record<string, string>;
}

export function createPresenceEventCodec(schemaPath: string = PRESENCE_SCHEMA_PATH): PresenceEventCodec {
  const schemaText = readFileSync(schemaPath, 'utf8');
  const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);
  const schemaName = type.name ?? 'PresenceChange';
  const schemaFingerprint = crc64AvroHex(JSON.stringify(type.schema()));
  return {
    schemaName,
    schemaFingerprint,
    schemaText,
    encode(event) {
      try {
        return type.toBuffer(event);
      } catch (error) {
        throw new ConnectorError(
          ErrorCodes.EVENT_ENCODING_FAILED,
          `event for user ${event.userId} does not fit the schema`,
          {
            cause: error,
          },
        );
      }
    },
    decode: (value) => type.fromBuffer(value) as PresenceChangeEvent,
    headers: (event) => ({
      [EVENT_HEADERS.contentType]: AVRO_CONTENT_TYPE,
      [EVENT_HEADERS.schemaName]: schemaName,
      [EVENT_HEADERS.schemaFingerprint]: schemaFingerprint,
      [EVENT_HEADERS.eventId]: event.eventId,
      [EVENT_HEADERS.eventKind]: event.kind,
    }),
  };
}
