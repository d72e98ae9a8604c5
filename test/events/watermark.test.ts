import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createWatermarkCodec, WATERMARK_SCHEMA_PATH } from '../../src/events/index.js';

describe('the watermark codec', () => {
  const codec = createWatermarkCodec();
  const watermark = {
    shard: 'emea',
    tenantId: 'contoso.onmicrosoft.com',
    confirmedAt: 1_780_000_000_000,
    cycleCompletedAt: 1_780_000_004_321,
    usersConfirmed: 648,
    usersUnconfirmed: 2,
    connector: 'presence-connector',
  };

  it('round-trips a watermark through the .avsc contract', () => {
    expect(codec.decode(codec.encode(watermark))).toEqual(watermark);
  });

  it('names the schema and keeps its original text (with docs) for registries', () => {
    expect(codec.schemaName).toBe('io.github.presenceconnector.v1.PresenceWatermark');
    expect(codec.schemaText).toBe(readFileSync(WATERMARK_SCHEMA_PATH, 'utf8'));
    expect(codec.schemaText).toContain('"doc"');
    expect(codec.schemaFingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a watermark that does not fit the schema', () => {
    expect(() => codec.encode({ ...watermark, usersConfirmed: 1.5 })).toThrow();
  });
});
