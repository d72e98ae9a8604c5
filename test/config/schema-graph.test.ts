import { describe, expect, it } from 'vitest';
import { graphSchema } from '../../src/config/schema-graph.js';

function problems(input: unknown): string[] {
  return graphSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
}

describe('graph schema', () => {
  it('defaults to the global cloud with the documented limits', () => {
    expect(graphSchema.parse({})).toMatchObject({
      cloud: 'global',
      apiVersion: 'v1.0',
      batchSize: 650,
      requestBudget: { maxRequests: 1500, windowSeconds: 30 },
      backoff: { initialMs: 1000, maxMs: 60_000, maxAttempts: 5 },
    });
  });

  it('requires graphUrl and authorityUrl for the custom cloud, and allows them only there', () => {
    expect(problems({ cloud: 'custom' })).toEqual([
      'graphUrl: is required when graph.cloud is custom',
      'authorityUrl: is required when graph.cloud is custom',
    ]);
    expect(problems({ cloud: 'custom', graphUrl: 'https://a.test', authorityUrl: 'https://b.test' })).toEqual([]);
    expect(problems({ cloud: 'usgov', graphUrl: 'https://a.test' })).toEqual([
      expect.stringMatching(/^graphUrl: is only allowed when graph.cloud is custom \(the usgov cloud uses https:/),
    ]);
  });

  it('refuses beta where the cloud does not offer it', () => {
    expect(problems({ cloud: 'usgov', apiVersion: 'beta' })).toEqual([
      expect.stringMatching(/^apiVersion: beta is not offered/),
    ]);
    expect(problems({ apiVersion: 'beta' })).toEqual([]);
  });

  it('keeps the backoff ceiling at or above the first delay', () => {
    expect(problems({ backoff: { initialMs: 500, maxMs: 100 } })).toEqual([
      'backoff.maxMs: must be at least backoff.initialMs (500)',
    ]);
    expect(problems({ backoff: { initialMs: 100, maxMs: 100 } })).toEqual([]);
  });
});
