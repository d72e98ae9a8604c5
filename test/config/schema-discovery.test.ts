import { afterAll, describe, expect, it } from 'vitest';
import { discoveredShardNames } from '../../src/config/schema-discovery.js';
import { fixture, guid, minimalLines, removeTempDirs, SECRET_ENV } from './support.js';

afterAll(removeTempDirs);

const GROUP_A = '5b1c2d3e-0000-4000-8000-00000000aaaa';
const GROUP_B = '5b1c2d3e-0000-4000-8000-00000000bbbb';

/** tenant + kafka (lines 1-5), then these lines from line 6. */
function withoutShards(...rest: string[]): string[] {
  return minimalLines().slice(0, 5).concat(rest);
}

/** The minimal config (shard emea at lines 6-8), then these lines from line 9. */
function withShards(...rest: string[]): string[] {
  return [...minimalLines(), ...rest];
}

const TENANT_ONLY = ['discovery:', '  sources:', '    - type: tenant'];

describe('discovered shard names', () => {
  it('are <prefix>-<index>, the index zero-padded to the width of the largest', () => {
    expect(discoveredShardNames('discovered', 8)).toEqual(Array.from({ length: 8 }, (_, i) => `discovered-${i}`));
    const sixteen = discoveredShardNames('discovered', 16);
    expect([sixteen[0], sixteen[9], sixteen[15], sixteen.length]).toEqual([
      'discovered-00',
      'discovered-09',
      'discovered-15',
      16,
    ]);
    expect(discoveredShardNames('d', 1)).toEqual(['d-0']);
    expect(discoveredShardNames('d', 10)[9]).toBe('d-9');
    expect(discoveredShardNames('d', 11)[0]).toBe('d-00');
    expect(discoveredShardNames('d', 1000).slice(0, 1).concat(discoveredShardNames('d', 1000).slice(-1))).toEqual([
      'd-000',
      'd-999',
    ]);
  });
});

describe('loadConfig: discovery', () => {
  it('resolves the defaults, the shard names and the directory topic; group ids lowercase', () => {
    const config = fixture(
      withShards(
        'discovery:', // 9
        '  sources:',
        '    - type: tenant',
        '    - type: group',
        `      groupId: ${GROUP_A.toUpperCase()}`,
      ),
    ).load();
    expect(config.discovery).toEqual({
      sources: [
        { type: 'tenant', includeGuests: false },
        { type: 'group', groupId: GROUP_A },
      ],
      shardNames: discoveredShardNames('discovered', 8),
      intervalSeconds: 300,
      followIntervalSeconds: 15,
      topic: 'presence-connector.directory',
      requestBudget: { maxRequests: 300, windowSeconds: 10 },
      concurrency: 2,
    });
    expect(config.shards).toEqual([{ name: 'emea', userIds: [guid(1), guid(2)] }]);
  });

  it('takes every setting from the file, and the directory topic from connectorName by default', () => {
    const lines = withoutShards(
      'connectorName: hr-presence',
      'discovery:',
      '  sources: [{ type: tenant, includeGuests: true }]',
      '  shards: 16',
      '  shardPrefix: staff',
      '  intervalSeconds: 600',
      '  followIntervalSeconds: 30',
      '  requestBudget: { maxRequests: 50, windowSeconds: 5 }',
      '  concurrency: 4',
      '  estimatedUsers: 120000',
    );
    const discovery = fixture(lines).load().discovery;
    expect(discovery).toMatchObject({
      sources: [{ type: 'tenant', includeGuests: true }],
      intervalSeconds: 600,
      followIntervalSeconds: 30,
      topic: 'hr-presence.directory',
      requestBudget: { maxRequests: 50, windowSeconds: 5 },
      concurrency: 4,
      estimatedUsers: 120_000,
    });
    expect(discovery?.shardNames).toHaveLength(16);
    expect(discovery?.shardNames[0]).toBe('staff-00');
    expect(discovery?.shardNames[15]).toBe('staff-15');
  });

  it('is overridden by PRESENCE_DISCOVERY_* variables, except the sources (file only)', () => {
    const env = {
      ...SECRET_ENV,
      PRESENCE_DISCOVERY_INTERVAL_SECONDS: '900',
      PRESENCE_DISCOVERY_SHARDS: '3',
      PRESENCE_DISCOVERY_TOPIC: 'hr.directory',
      PRESENCE_DISCOVERY_REQUEST_BUDGET_MAX_REQUESTS: '20',
      PRESENCE_DISCOVERY_ESTIMATED_USERS: '5000',
      PRESENCE_DISCOVERY_SOURCES: 'group',
    };
    const discovery = fixture(withShards(...TENANT_ONLY), {}, env).load().discovery;
    expect(discovery).toMatchObject({
      sources: [{ type: 'tenant', includeGuests: false }],
      intervalSeconds: 900,
      shardNames: ['discovered-0', 'discovered-1', 'discovered-2'],
      topic: 'hr.directory',
      requestBudget: { maxRequests: 20, windowSeconds: 10 },
      estimatedUsers: 5000,
    });
    const bad = { ...SECRET_ENV, PRESENCE_DISCOVERY_FOLLOW_INTERVAL_SECONDS: '301' };
    expect(fixture(withShards(...TENANT_ONLY), {}, bad).lines()).toEqual([
      'env PRESENCE_DISCOVERY_FOLLOW_INTERVAL_SECONDS discovery.followIntervalSeconds: must not exceed discovery.intervalSeconds (300)',
    ]);
  });

  it('is absent without the section', () => {
    expect(fixture(minimalLines()).load().discovery).toBeUndefined();
  });
});

describe('shards with and without discovery', () => {
  it('may be left out or empty with discovery', () => {
    expect(fixture(withoutShards(...TENANT_ONLY)).load().shards).toEqual([]);
    expect(fixture(withoutShards('shards: []', ...TENANT_ONLY)).load().shards).toEqual([]);
  });

  it('are required, with at least one, without discovery (the messages of before)', () => {
    expect(fixture(withoutShards()).lines()).toEqual(['config.yaml shards: is required']);
    expect(fixture(withoutShards('shards: []')).lines()).toEqual(['config.yaml:6:9 shards: must not be empty']);
  });

  it('may not share a name with a discovered shard: a problem at shardPrefix naming the listed shard', () => {
    const lines = withoutShards(
      'shards:', // 6
      '  - name: discovered-3', // 7
      `    users: [${guid(1)}]`, // 8
      'discovery:', // 9
      '  sources: [{ type: tenant }]', // 10
      '  shardPrefix: discovered', // 11
    );
    expect(fixture(lines).lines()).toEqual([
      'config.yaml:11:16 discovery.shardPrefix: the discovered shard "discovered-3" would have the name of a listed shard: choose another shardPrefix or rename that shard; also at config.yaml:7:11 shards[0].name',
    ]);
    // With 16 shards the names are discovered-00..15: "discovered-3" is free.
    expect(fixture([...lines, '  shards: 16']).load().discovery?.shardNames).toContain('discovered-03');
  });

  it('assignment.shards (static) may name discovered shards, and still not unknown ones', () => {
    const lines = withShards(
      ...TENANT_ONLY, // 9-11
      'assignment:', // 12
      '  mode: static', // 13
      '  shards: [emea, discovered-7, discovered-8]', // 14
    );
    expect(fixture(lines).lines()).toEqual([
      'config.yaml:14:32 assignment.shards[2]: no shard named "discovered-8" in shards or among the discovered shards',
    ]);
    lines[13] = '  shards: [emea, discovered-7]';
    expect(fixture(lines).load().assignment.shards).toEqual(['emea', 'discovered-7']);
  });
});

describe('discovery problems, each at its place', () => {
  it('a group or the tenant listed twice is a problem at the second, naming the first', () => {
    const lines = withShards(
      'discovery:', // 9
      '  sources:', // 10
      '    - type: group', // 11
      `      groupId: ${GROUP_A}`, // 12
      '    - type: tenant', // 13
      '    - type: group', // 14
      `      groupId: ${GROUP_B}`, // 15
      '    - type: group', // 16
      `      groupId: ${GROUP_A.toUpperCase()}`, // 17
      '    - type: tenant', // 18
      '      includeGuests: true', // 19
    );
    expect(fixture(lines).lines()).toEqual([
      `config.yaml:17:16 discovery.sources[3].groupId: group ${GROUP_A} is listed twice; also at config.yaml:12:16 discovery.sources[0].groupId`,
      'config.yaml:18:7 discovery.sources[4]: the tenant is listed twice; also at config.yaml:13:7 discovery.sources[1]',
    ]);
  });

  it('each source type takes only its own settings, and a group needs its id', () => {
    const lines = withShards(
      'discovery:', // 9
      '  sources:', // 10
      '    - type: group', // 11
      '      includeGuests: false', // 12
      `      groupId: ${GROUP_A}`, // 13
      '    - type: tenant', // 14
      `      groupId: ${GROUP_B}`, // 15
      '    - type: group', // 16
      '    - type: grup', // 17
      '      groupId: nope', // 18
    );
    expect(fixture(lines).lines()).toEqual([
      'config.yaml:12:22 discovery.sources[0].includeGuests: only for type tenant: a group source takes every user member of the group, guests included',
      'config.yaml:15:16 discovery.sources[1].groupId: only for type group: the tenant source takes every user of the tenant',
      'config.yaml:16:7 discovery.sources[2]: a source of type group needs groupId',
      'config.yaml:17:13 discovery.sources[3].type: "grup" is not one of: tenant, group; did you mean "group"?',
      'config.yaml:18:16 discovery.sources[3].groupId: "nope" is not a GUID',
    ]);
  });

  it('needs at least one source, at most 26 groups, and bounded numbers', () => {
    expect(fixture(withShards('discovery:', '  shards: 0')).lines()).toEqual([
      'config.yaml:9:1 discovery.sources: is required',
      'config.yaml:10:11 discovery.shards: must be at least 1 (got 0)',
    ]);
    const groups = Array.from({ length: 27 }, (_, i) => `    - { type: group, groupId: ${guid(100 + i)} }`);
    expect(fixture(withShards('discovery:', '  sources:', ...groups)).lines()).toEqual([
      'config.yaml:11:5 discovery.sources: at most 26 groups (found 27): watch a parent group holding them (nested groups count) or the tenant',
    ]);
    const numbers = withShards(
      ...TENANT_ONLY, // 9-11
      '  shards: 1001', // 12
      '  intervalSeconds: 5', // 13
      '  requestBudget: { maxRequests: 0 }', // 14
      '  concurrency: 17', // 15
      '  estimatedUsers: 0', // 16
      `  shardPrefix: ${'p'.repeat(97)}`, // 17
    );
    expect(fixture(numbers).lines()).toEqual([
      'config.yaml:12:11 discovery.shards: must be at most 1000 (got 1001)',
      'config.yaml:13:20 discovery.intervalSeconds: must be at least 10 (got 5)',
      'config.yaml:14:33 discovery.requestBudget.maxRequests: must be at least 1 (got 0)',
      'config.yaml:15:16 discovery.concurrency: must be at most 16 (got 17)',
      'config.yaml:16:19 discovery.estimatedUsers: must be at least 1 (got 0)',
      'config.yaml:17:16 discovery.shardPrefix: must be at most 96 characters ("-" and the shard index follow it in a shard name)',
    ]);
  });

  it('keeps followIntervalSeconds within intervalSeconds', () => {
    const lines = withShards(...TENANT_ONLY, '  intervalSeconds: 60', '  followIntervalSeconds: 61');
    expect(fixture(lines).lines()).toEqual([
      'config.yaml:13:26 discovery.followIntervalSeconds: must not exceed discovery.intervalSeconds (60)',
    ]);
  });

  it('reports a bad key inside discovery with a suggestion', () => {
    expect(fixture(withShards(...TENANT_ONLY, '  intervalSecond: 60')).lines()).toEqual([
      'config.yaml:12:3 discovery.intervalSecond: unknown setting "intervalSecond"; did you mean "intervalSeconds"?',
    ]);
  });
});
