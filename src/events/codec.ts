import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { crc64AvroHex } from './fingerprint.js';
import type { DecodedPresenceChangeEvent, PresenceChangeEvent } from './event.js';

/** Where the .avsc contract lives; in a build, `npm run build` copies schemas/ beside dist/src. */
export const PRESENCE_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/presence-change.avsc', import.meta.url));

/** What a registry and a reader need to know of a schema this connector writes. */
export interface AvroSchemaIdentity {
  /** Full name of the record schema, e.g. io.github.presenceconnector.v1.PresenceChange */
  readonly schemaName: string;
  /** CRC-64-AVRO of the schema's canonical form, hex. */
  readonly schemaFingerprint: string;
  /** The .avsc text as published (with docs), for registries and consumers. */
  readonly schemaText: string;
}

/** Reads an .avsc once: its avsc type and its identity. */
export function loadAvroSchema(schemaPath: string, fallbackName: string): AvroSchemaIdentity & { type: avro.Type } {
  const schemaText = readFileSync(schemaPath, 'utf8');
  const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);
  return {
    type,
    schemaText,
    schemaName: type.name ?? fallbackName,
    schemaFingerprint: crc64AvroHex(JSON.stringify(type.schema())),
  };
}

export interface PresenceEventCodec extends AvroSchemaIdentity {
  encode(event: PresenceChangeEvent): Buffer;
  /** Never fails on an unknown `kind`: it is an Avro string, so any value a newer writer adds decodes. */
  decode(value: Buffer): DecodedPresenceChangeEvent;
}

export function createPresenceEventCodec(schemaPath: string = PRESENCE_SCHEMA_PATH): PresenceEventCodec {
  const { type, schemaName, schemaFingerprint, schemaText } = loadAvroSchema(schemaPath, 'PresenceChange');
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
    decode: (value) => type.fromBuffer(value) as DecodedPresenceChangeEvent,
  };
}
