import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/simulator/byte-writer.js';

describe('ByteWriter', () => {
  it('appends ASCII, bytes, single bytes and padded integers in order', () => {
    const out = new ByteWriter(0);
    out.ascii('{"n":');
    out.paddedInteger(42, 5);
    out.byte(44);
    out.bytes(Buffer.from('"é"', 'utf8'));
    out.ascii('}');
    expect(out.finish().toString('utf8')).toBe('{"n":00042,"é"}');
    expect(out.length).toBe(Buffer.byteLength('{"n":00042,"é"}'));
  });

  it('grows past its initial size without losing what was written', () => {
    const out = new ByteWriter(1);
    const chunk = 'abcdefghij';
    for (let i = 0; i < 100; i++) out.ascii(chunk);
    out.paddedInteger(7, 3);
    const text = out.finish().toString('latin1');
    expect(text).toBe(`${chunk.repeat(100)}007`);
  });

  it('keeps only the last digits of an integer wider than the width', () => {
    const out = new ByteWriter(8);
    out.paddedInteger(123456, 4);
    expect(out.finish().toString()).toBe('3456');
  });
});
