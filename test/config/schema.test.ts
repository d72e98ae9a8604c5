import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';

const base = {
  tenant: { id: 'contoso.onmicrosoft.com', clientId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' },
  kafka: { brokers: ['localhost:9092'] },
  shards: [{ name: 'emea', users: ['00000001-0000-4000-8000-000000000001'] }],
};

function problems(change: Record<string, unknown>): string[] {
  const result = configSchema.safeParse({ ...base, ...change });
  return result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
}

describe('config schema (assembled)', () => {
  it('assembles the sections with their defaults', () => {
    const config = configSchema.parse(base);
    expect(config.connectorName).toBe('presence-connector');
    expect(config.graph.cloud).toBe('global');
    expect(config.kafka.topic).toBe('teams.presence.changes');
    expect(config.assignment.mode).toBe('dynamic');
  });

  it('checks assignment.shards against the shards, and only in static mode', () => {
    expect(problems({ assignment: { mode: 'static', shards: ['emea'] } })).toEqual([]);
    expect(problems({ assignment: { mode: 'static', shards: ['apac'] } })).toEqual([
      'assignment.shards.0: no shard named "apac" in shards',
    ]);
    expect(problems({ assignment: { shards: ['emea'] } })).toEqual([
      'assignment.shards: only allowed with assignment.mode static',
    ]);
  });

  it('keeps the start jitter within the polling interval and needs users for a shard', () => {
    expect(problems({ polling: { intervalSeconds: 5, startJitterSeconds: 6 } })).toEqual([
      'polling.startJitterSeconds: must not exceed polling.intervalSeconds (5)',
    ]);
    expect(problems({ shards: [{ name: 'emea' }] })).toEqual(['shards.0: needs users (inline) or usersFile']);
  });

  it('needs shards only without discovery', () => {
    const { shards: _shards, ...noShards } = base;
    const discovery = { sources: [{ type: 'tenant' }] };
    expect(configSchema.safeParse({ ...noShards, discovery }).success).toBe(true);
    expect(problems({ shards: [], discovery })).toEqual([]);
    expect(problems({ shards: [] })).toEqual(['shards: must not be empty']);
    expect(configSchema.safeParse(noShards).error?.issues.map((issue) => issue.path.join('.'))).toEqual(['shards']);
  });
});
