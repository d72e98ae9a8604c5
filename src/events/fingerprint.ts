/**
 * CRC-64-AVRO (Rabin) fingerprint of a schema's Parsing Canonical Form, as defined by the Avro specification.
 * avsc offers only md5/sha digests; this is the one Avro tooling (single-object encoding, Java's
 * SchemaNormalization.parsingFingerprint64) recognises.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK_64 = 0xffffffffffffffffn;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, index) => {
  let fp = BigInt(index);
  for (let bit = 0; bit < 8; bit++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK_64);
  return fp;
});

export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] ?? 0n);
  return fp;
}

/** The fingerprint as 16 lowercase hex digits (the unsigned value, most significant digit first). */
export function crc64AvroHex(canonicalSchema: string): string {
  return crc64Avro(Buffer.from(canonicalSchema, 'utf8')).toString(16).padStart(16, '0');
}
