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
  const encodeValue = slabEncoder(type);
  return {
    schemaName,
    schemaFingerprint,
    schemaText,
    encode(event) {
      try {
        return encodeValue(event);
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

/** Room for about 250 events: one allocation where avsc's toBuffer makes a zero-filled ArrayBuffer per event. */
const SLAB_BYTES = 64 * 1024;

/**
 * Encodes each value straight into a shared slab and hands out its bytes as a view (`subarray`), the way Node's
 * own Buffer pool does for small buffers. Bytes handed out are never written again: a full slab is replaced, not
 * reused, and lives on (garbage once no value of it is referenced) while its values wait for Kafka. So every
 * record keeps distinct bytes however long it is buffered or retried; kafkajs copies them into its request anyway.
 */
function slabEncoder(type: avro.Type): (value: unknown) => Buffer {
  let slab = Buffer.allocUnsafe(SLAB_BYTES);
  let used = 0;
  return (value) => {
    let end = type.encode(value, slab, used);
    if (end < 0) {
      // avsc writes nothing past the slab and says how many bytes were missing: -end.
      const size = slab.length - used - end;
      slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size));
      used = 0;
      end = type.encode(value, slab, 0);
    }
    const bytes = slab.subarray(used, end);
    used = end;
    return bytes;
  };
}
