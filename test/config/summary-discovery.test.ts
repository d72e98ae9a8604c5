import { afterAll, describe, expect, it } from 'vitest';
import { formatSummary, summarizeConfig } from '../../src/config/index.js';
import { fixture, minimalLines, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

const GROUP = '5b1c2d3e-0000-4000-8000-00000000aaaa';

/** The minimal config (shard emea, 2 users) with a discovery section: the tenant and one group. */
function withDiscovery(...discovery: string[]): string[] {
  return [
    ...minimalLines(),
    'discovery:',
    '  sources:',
    '    - type: tenant',
    `    - { type: group, groupId: ${GROUP} }`,
    ...discovery,
  ];
}

/** The same without listed shards. */
function discoveryOnly(...discovery: string[]): string[] {
  return [...minimalLines().slice(0, 5), ...withDiscovery(...discovery).slice(8)];
}

describe('summarizeConfig with discovery', () => {
  it('adds the discovered shards to the requests per cycle: ceil(E / shards / batchSize) per shard', () => {
    // 100,000 users over 16 shards: 6,250 each, ceil(6,250 / 650) = 10 requests per shard, 160 in all.
    const summary = summarizeConfig(fixture(withDiscovery('  shards: 16', '  estimatedUsers: 100000')).load());
    expect(summary.discovery?.population).toEqual({
      users: 100_000,
      from: 'estimatedUsers',
      usersPerShard: 6_250,
      batchesPerShard: 10,
      requestsPerCycle: 160,
    });
    expect(summary.budget).toMatchObject({ requestsPerCycle: 161, allowedPerInterval: 3_000, fits: true });
    expect(summary.totalUsers).toBe(2);
  });

  it('says when the budget does not fit, with the minimum interval', () => {
    const lines = withDiscovery(
      '  estimatedUsers: 2000000',
      'polling:',
      '  intervalSeconds: 10',
      '  startJitterSeconds: 0',
    );
    const summary = summarizeConfig(fixture(lines).load());
    // 2,000,000 / 8 = 250,000 per shard: 385 requests each, 3,080 discovered + 1 listed.
    expect(summary.budget).toMatchObject({
      requestsPerCycle: 3_081,
      allowedPerInterval: 500,
      fits: false,
      minIntervalSeconds: 62,
    });
    expect(summary.warnings[0]).toContain('raise polling.intervalSeconds to at least 62');
    expect(formatSummary(summary)).toContain(
      'Requests per cycle: 3,081 (1 listed + 3,080 discovered); budget 1,500 per 30 s allows 500 per 10 s interval: DOES NOT FIT',
    );
  });

  it('takes a population counted against Graph (the check-config --online hook) over the estimate', () => {
    const config = fixture(withDiscovery('  estimatedUsers: 100000')).load();
    const summary = summarizeConfig(config, { discoveredUsers: 5_200 });
    expect(summary.discovery?.population).toMatchObject({ users: 5_200, from: 'online', requestsPerCycle: 8 });
    expect(formatSummary(summary)).toContain(
      '  presence    5,200 users (counted against Graph): about 650 per shard, 1 request per shard per cycle, 8 in all',
    );
  });

  it('counts only the listed shards without an estimate', () => {
    const summary = summarizeConfig(fixture(withDiscovery()).load());
    expect(summary.discovery?.population).toBeUndefined();
    expect(summary.budget.requestsPerCycle).toBe(1);
  });

  it('leaves the summary of a config without discovery as it was', () => {
    const summary = summarizeConfig(fixture(minimalLines()).load());
    expect('discovery' in summary).toBe(false);
    const text = formatSummary(summary);
    expect(text).not.toMatch(/discover/i);
    expect(text.split('\n').slice(-3)).toEqual([
      'Shards: 1, 2 users',
      '  emea               2 users  1 request per cycle',
      'Requests per cycle: 1; budget 1,500 per 30 s allows 3,000 per 60 s interval: fits',
    ]);
  });
});

describe('formatSummary with discovery', () => {
  it('explains the layout: shards, sources, placement, directory topic and budget, and the estimate', () => {
    const text = formatSummary(summarizeConfig(fixture(withDiscovery('  estimatedUsers: 12000')).load()));
    const lines = text.split('\n');
    const start = lines.findIndex((line) => line.startsWith('Shards:'));
    expect(lines.slice(start)).toEqual([
      'Shards: 1 listed (2 users), 8 discovered',
      '  emea               2 users  1 request per cycle',
      'Discovery: 8 shards discovered-0 .. discovered-7',
      '  sources     the whole tenant: enabled members, guests excluded',
      `              group ${GROUP}: its users, nested groups included`,
      "  placement   a stable hash of a user's object id picks its discovered shard, so a user keeps its shard while",
      '              others join and leave; a user also listed in shards is polled there (explicit shards win)',
      '  directory   topic presence-connector.directory: a round every 300 s (delta query), other workers read the topic every 15 s',
      "              budget 300 requests per 10 s, apart from presence's; 2 in flight",
      '  presence    12,000 users (discovery.estimatedUsers): about 1,500 per shard, 3 requests per shard per cycle, 24 in all',
      'Requests per cycle: 25 (1 listed + 24 discovered); budget 1,500 per 30 s allows 3,000 per 60 s interval: fits',
    ]);
  });

  it('says the presence budget of discovered users cannot be checked offline, and how to check it', () => {
    const text = formatSummary(summarizeConfig(fixture(discoveryOnly('  shards: 1')).load()));
    expect(text).toContain('Shards: none listed, 1 discovered\nDiscovery: 1 shard discovered-0\n');
    expect(text).toContain(
      '  presence    not checked offline: how many users discovery will find is not known here. Set discovery.estimatedUsers ' +
        '(PRESENCE_DISCOVERY_ESTIMATED_USERS) to the expected number, or run check-config --online to count them against Graph.',
    );
    expect(text).toContain(
      'Requests per cycle: 0 (listed shards only; discovered shards not counted); budget 1,500 per 30 s allows 3,000 per 60 s interval: fits',
    );
  });

  it('names guests when the tenant source includes them', () => {
    const lines = [...minimalLines(), 'discovery:', '  sources: [{ type: tenant, includeGuests: true }]'];
    expect(formatSummary(summarizeConfig(fixture(lines).load()))).toContain(
      '  sources     the whole tenant: enabled accounts, guests included\n',
    );
  });
});
