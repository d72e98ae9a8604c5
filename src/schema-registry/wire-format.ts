/**
 * The Confluent wire format: magic byte 0x00, the schema id as a 4-byte big-endian integer, then the Avro binary.
 * Every registry-aware reader (Flink avro-confluent, ksqlDB, Kafka Connect's AvroConverter) expects exactly this.
 */
const MAGIC_BYTE = 0x00;
const HEADER_LENGTH = 5;
/** Registries hand out ids as Java ints: positive and at most 2^31 - 1. */
const MAX_SCHEMA_ID = 0x7fffffff;

export function frameConfluent(schemaId: number, avroPayload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > MAX_SCHEMA_ID) {
    throw new RangeError(`schema id must be an integer from 0 to ${MAX_SCHEMA_ID}, got ${schemaId}`);
  }
  const framed = Buffer.allocUnsafe(HEADER_LENGTH + avroPayload.length);
  framed.writeUInt8(MAGIC_BYTE, 0);
  framed.writeUInt32BE(schemaId, 1);
  avroPayload.copy(framed, HEADER_LENGTH);
  return framed;
}

/**
 * The schema id and the Avro payload of a framed value, or undefined when the value is not framed (too short for
 * the header, or another first byte), so a reader can fall back to raw Avro on a topic that holds both kinds.
 * The payload is a view of `value`, not a copy: a decoder reads it at once.
 */
export function parseConfluentFrame(value: Buffer): { schemaId: number; payload: Buffer } | undefined {
  if (value.length < HEADER_LENGTH || value[0] !== MAGIC_BYTE) return undefined;
  const schemaId = value.readUInt32BE(1);
  // An id beyond the Java int range was never issued by a registry: this is raw data that starts with 0x00.
  if (schemaId > MAX_SCHEMA_ID) return undefined;
  return { schemaId, payload: value.subarray(HEADER_LENGTH) };
}
