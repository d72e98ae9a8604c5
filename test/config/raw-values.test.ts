import { describe, expect, it } from 'vitest';
import { envName, isRecord, nonEmptyString } from '../../src/config/raw-values.js';

describe('raw config value readers', () => {
  it('isRecord: plain objects only', () => {
    expect([{}, [], null, 'x', 1].map(isRecord)).toEqual([true, false, false, false, false]);
  });

  it('nonEmptyString: a string with content, else undefined', () => {
    expect(nonEmptyString('a')).toBe('a');
    expect(nonEmptyString('')).toBeUndefined();
    expect(nonEmptyString(3)).toBeUndefined();
  });

  it('envName: the environment variable of a known setting, else the path as written', () => {
    expect(envName(['tenant', 'clientSecret'])).toBe('PRESENCE_TENANT_CLIENT_SECRET');
    expect(envName(['kafka', 'sasl', 'password'])).toBe('PRESENCE_KAFKA_SASL_PASSWORD');
    expect(envName(['shards', 0, 'users'])).toBe('shards[0].users');
  });
});
