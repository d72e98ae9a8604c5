import { describe, expect, it } from 'vitest';
import { crc64Avro, crc64AvroHex } from '../../src/events/index.js';

describe('CRC-64-AVRO', () => {
  it('matches the Avro specification test vectors', () => {
    // Values from Avro's share/test/data/schema-tests.txt (as signed longs there).
    expect(BigInt.asIntN(64, BigInt(`0x${crc64AvroHex('"null"')}`))).toBe(7195948357588979594n);
    expect(BigInt.asIntN(64, BigInt(`0x${crc64AvroHex('"int"')}`))).toBe(8247732601305521295n);
  });

  it('is the empty fingerprint for no bytes, and 16 lowercase hex digits, leading zeros kept', () => {
    expect(crc64Avro(new Uint8Array())).toBe(0xc15d213aa4d7a795n);
    expect(crc64AvroHex('')).toBe('c15d213aa4d7a795');
    for (const text of ['"string"', '{"type":"record"}', 'x', 'é']) {
      const hex = crc64AvroHex(text);
      expect(hex).toMatch(/^[0-9a-f]{16}$/);
      expect(BigInt(`0x${hex}`)).toBe(crc64Avro(Buffer.from(text, 'utf8')));
    }
    expect(crc64AvroHex('"int"')).not.toBe(crc64AvroHex('"long"'));
  });
});
