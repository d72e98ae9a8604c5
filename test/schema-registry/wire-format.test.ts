import { describe, expect, it } from 'vitest';
import { frameConfluent, parseConfluentFrame } from '../../src/schema-registry/wire-format.js';

describe('Confluent wire format', () => {
  it('frames as 0x00, the id as 4 bytes big-endian, then the payload', () => {
    const framed = frameConfluent(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect([...framed]).toEqual([0x00, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
  });

  it('round-trips ids across the whole range, payloads of any length included empty', () => {
    for (const schemaId of [0, 1, 255, 256, 65_536, 0x7fffffff]) {
      for (const payload of [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(10_000, 7)]) {
        const parsed = parseConfluentFrame(frameConfluent(schemaId, payload));
        expect(parsed?.schemaId).toBe(schemaId);
        expect(parsed?.payload.equals(payload)).toBe(true);
      }
    }
  });

  it('refuses ids a registry never issues', () => {
    for (const schemaId of [-1, 0x80000000, 1.5, Number.NaN]) {
      expect(() => frameConfluent(schemaId, Buffer.alloc(1))).toThrow(RangeError);
    }
  });

  it('says undefined for a value that is not framed', () => {
    expect(parseConfluentFrame(Buffer.alloc(0))).toBeUndefined();
    expect(parseConfluentFrame(Buffer.from([0x00, 0x00, 0x00, 0x01]))).toBeUndefined(); // 4 bytes: header cut short
    expect(parseConfluentFrame(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x01, 0x02]))).toBeUndefined(); // magic byte
    // Raw Avro of a presence event starts with the eventId's length (a UUID: zig-zag 36 = 0x48), never 0x00.
    expect(parseConfluentFrame(Buffer.from([0x48, 0x00, 0x00, 0x00, 0x01, 0x02]))).toBeUndefined();
    // Starts with 0x00 but the "id" is beyond Java's int range: not something a registry issued.
    expect(parseConfluentFrame(Buffer.from([0x00, 0x80, 0x00, 0x00, 0x00, 0x02]))).toBeUndefined();
  });

  it('accepts exactly a header as a frame with an empty payload', () => {
    expect(parseConfluentFrame(Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07]))).toEqual({
      schemaId: 7,
      payload: Buffer.alloc(0),
    });
  });

  it('returns the payload as a view of the value, not a copy', () => {
    const framed = frameConfluent(3, Buffer.from([1, 2, 3]));
    const parsed = parseConfluentFrame(framed);
    framed[5] = 9;
    expect(parsed?.payload[0]).toBe(9);
  });
});
