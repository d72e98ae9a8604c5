import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { settingLeaves } from '../../src/config/settings.js';
import { fixture, minimalLines, removeTempDirs, SECRET_ENV } from './support.js';

afterAll(removeTempDirs);

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

describe('observability settings', () => {
  it('default to a summary every 60 s and the endpoints on every IPv4 interface', () => {
    expect(configSchema.parse(base).observability).toEqual({
      logLevel: 'info',
      httpPort: 9464,
      httpHost: '0.0.0.0',
      summaryIntervalSeconds: 60,
    });
  });

  it('take an IP address or a host name to listen on', () => {
    for (const httpHost of ['127.0.0.1', '::', '::1', 'localhost', 'metrics.internal.example']) {
      expect(problems({ observability: { httpHost } }), httpHost).toEqual([]);
    }
    expect(problems({ observability: { httpHost: 'http://0.0.0.0:9464' } })).toEqual([
      'observability.httpHost: "http://0.0.0.0:9464" is neither an IP address (such as 0.0.0.0, 127.0.0.1 or ::) nor a host name',
    ]);
    expect(problems({ observability: { httpHost: '[::1]' } })).toHaveLength(1);
    expect(problems({ observability: { httpHost: '' } })).toHaveLength(1);
  });

  it('turn the summary off with 0 and bound its interval', () => {
    expect(configSchema.parse({ ...base, observability: { summaryIntervalSeconds: 0 } }).observability).toMatchObject({
      summaryIntervalSeconds: 0,
    });
    for (const summaryIntervalSeconds of [-1, 1.5, 86_401, '60']) {
      const found = problems({ observability: { summaryIntervalSeconds } });
      expect(found.map((problem) => problem.split(':')[0])).toEqual(['observability.summaryIntervalSeconds']);
    }
  });

  it('are named in the environment after their path', () => {
    const env = (path: string) => settingLeaves().find((leaf) => leaf.path === path)?.envVar;
    expect(env('observability.summaryIntervalSeconds')).toBe('PRESENCE_OBSERVABILITY_SUMMARY_INTERVAL_SECONDS');
    expect(env('observability.httpHost')).toBe('PRESENCE_OBSERVABILITY_HTTP_HOST');
    const config = fixture(minimalLines()).load({
      env: {
        ...SECRET_ENV,
        PRESENCE_OBSERVABILITY_SUMMARY_INTERVAL_SECONDS: '0',
        PRESENCE_OBSERVABILITY_HTTP_HOST: '127.0.0.1',
      },
    });
    expect(config.observability).toMatchObject({ summaryIntervalSeconds: 0, httpHost: '127.0.0.1' });
  });
});
