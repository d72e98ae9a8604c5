import { afterAll, describe, expect, it } from 'vitest';
import { formatSummary, summarizeConfig } from '../../src/config/index.js';
import { CLIENT_ID, fixture, guid, removeTempDirs, SECRET_ENV, SECRET_VALUE } from './support.js';

afterAll(removeTempDirs);

function ids(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => guid(from + i)).join('\n');
}

function configWithShards(extra: string[] = []): string[] {
  return [
    'tenant:',
    '  id: contoso.onmicrosoft.com',
    `  clientId: ${CLIENT_ID}`,
    'kafka:',
    '  brokers: [k1:9092, k2:9092]',
    'shards:',
    '  - name: emea',
    '    usersFile: emea.txt',
    '  - name: amer',
    '    usersFile: amer.txt',
    '  - name: apac',
    `    users: [${guid(999_999)}]`,
    ...extra,
  ];
}

const SHARD_FILES = { 'emea.txt': ids(1, 1300), 'amer.txt': ids(10_000, 651) };

describe('summarizeConfig', () => {
  it('counts users and batches per shard and checks the request budget over one interval', () => {
    const summary = summarizeConfig(fixture(configWithShards(), SHARD_FILES).load());
    expect(summary.shards).toEqual([
      { name: 'emea', users: 1300, batches: 2 },
      { name: 'amer', users: 651, batches: 2 },
      { name: 'apac', users: 1, batches: 1 },
    ]);
    expect(summary.totalUsers).toBe(1952);
    expect(summary.budget).toEqual({
      maxRequests: 1500,
      windowSeconds: 30,
      intervalSeconds: 60,
      allowedPerInterval: 3000,
      requestsPerCycle: 5,
      fits: true,
      minIntervalSeconds: 1,
    });
    expect(summary.warnings).toEqual([]);
    expect(summary.credential).toBe('client secret (env PRESENCE_TENANT_CLIENT_SECRET)');
  });

  it('names every topic the connector writes, and the periodic re-snapshot', () => {
    const defaults = summarizeConfig(fixture(configWithShards(), SHARD_FILES).load());
    expect(defaults.kafka.outputs).toBe(
      'table teams.presence.current (6 partitions), watermarks teams.presence.watermarks, state presence-connector.presence-state (12 partitions)',
    );
    expect(formatSummary(defaults)).toContain('no periodic re-snapshot');
    const off = summarizeConfig(
      fixture(configWithShards(['polling:', '  resnapshotIntervalHours: 24']), SHARD_FILES, {
        ...SECRET_ENV,
        PRESENCE_KAFKA_TABLE_ENABLED: 'false',
        PRESENCE_KAFKA_WATERMARKS_ENABLED: 'false',
      }).load(),
    );
    expect(off.kafka.outputs).toMatch(/^no table, no watermarks, state /);
    expect(formatSummary(off)).toContain('unchanged presences re-published every 24 h');
  });

  it('uses graph.batchSize for the batches', () => {
    const summary = summarizeConfig(fixture(configWithShards(['graph:', '  batchSize: 100']), SHARD_FILES).load());
    expect(summary.shards.map((shard) => shard.batches)).toEqual([13, 7, 1]);
    expect(summary.budget.requestsPerCycle).toBe(21);
  });

  it('warns when a cycle needs more requests than the budget allows per interval', () => {
    const extra = [
      'graph:',
      '  batchSize: 100',
      '  requestBudget: { maxRequests: 3, windowSeconds: 30 }',
      'polling:',
      '  intervalSeconds: 10',
    ];
    const summary = summarizeConfig(fixture(configWithShards(extra), SHARD_FILES).load());
    expect(summary.budget).toMatchObject({
      requestsPerCycle: 21,
      allowedPerInterval: 1,
      fits: false,
      minIntervalSeconds: 210,
    });
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toContain('21 requests per cycle exceed the request budget over one polling interval');
    expect(summary.warnings[0]).toContain('raise polling.intervalSeconds to at least 210');
  });

  it('warns when the Kafka buffer is smaller than one Graph batch', () => {
    const lines = configWithShards();
    lines.splice(5, 0, '  maxBufferedEvents: 10');
    const small = summarizeConfig(fixture(lines, SHARD_FILES).load());
    expect(small.warnings).toEqual([
      'kafka.maxBufferedEvents (10) is smaller than one Graph batch (graph.batchSize 650).',
    ]);
  });
});

describe('formatSummary', () => {
  it('prints the shards, the request budget and the endpoints, and no secret', () => {
    const text = formatSummary(summarizeConfig(fixture(configWithShards(), SHARD_FILES).load()));
    expect(text).toMatch(/^Configuration OK: .*config\.yaml$/m);
    expect(text).toContain('Shards: 3, 1,952 users');
    expect(text).toMatch(/^ {2}emea +1,300 users {2}2 requests per cycle$/m);
    expect(text).toMatch(/^ {2}apac +1 user {2}1 request per cycle$/m);
    expect(text).toContain('Requests per cycle: 5; budget 1,500 per 30 s allows 3,000 per 60 s interval: fits');
    expect(text).toContain(
      'https://graph.microsoft.com/v1.0 (cloud global), authority https://login.microsoftonline.com',
    );
    expect(text).toContain('k1:9092,k2:9092 -> teams.presence.changes');
    expect(text).toMatch(/^ {2}values {6}plain Avro \(no schema registry\)$/m);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain('Warnings:');
  });

  it('names the schema registry, its subject strategy and where its credentials come from, never their values', () => {
    const config = fixture(
      configWithShards(['schemaRegistry:', '  url: https://sr.example.com', '  autoRegister: false']),
      SHARD_FILES,
      {
        PRESENCE_TENANT_CLIENT_SECRET: SECRET_VALUE,
        PRESENCE_SCHEMA_REGISTRY_API_KEY: 'SR-KEY-1',
        PRESENCE_SCHEMA_REGISTRY_API_SECRET: 'SR-SECRET-1',
      },
    ).load();
    const text = formatSummary(summarizeConfig(config));
    expect(text).toContain(
      '  values      Confluent-framed Avro, schema registry https://sr.example.com (TopicNameStrategy, look up only, ' +
        'API key and secret (env PRESENCE_SCHEMA_REGISTRY_API_KEY + env PRESENCE_SCHEMA_REGISTRY_API_SECRET))',
    );
    expect(text).not.toContain('SR-KEY-1');
    expect(text).not.toContain('SR-SECRET-1');
  });

  it('lists warnings', () => {
    const extra = [
      'polling:',
      '  intervalSeconds: 1',
      '  startJitterSeconds: 0',
      'graph:',
      '  batchSize: 1',
      '  apiVersion: beta',
    ];
    const text = formatSummary(summarizeConfig(fixture(configWithShards(extra), SHARD_FILES).load()));
    expect(text).toContain('DOES NOT FIT');
    expect(text).toContain('Warnings:\n  - 1952 requests per cycle exceed');
    expect(text).toContain('  - graph.apiVersion is beta');
  });
});
