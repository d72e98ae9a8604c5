/**
 * `check-config --online` in-process against the project's Graph simulator on a loopback port (real HTTPS, MSAL
 * and undici): a tenant source and a nested group (with a cycle) resolve to the simulator's own counts, also when
 * delta pages repeat entries and come empty; the spread over the discovered shards is the stable hash's; a missing
 * permission and a missing group fail naming what is wrong; no presence request is ever made.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runOnlineCheck } from '../../src/cli/online-check.js';
import { loadConfig, summarizeConfig, type ConnectorConfig } from '../../src/config/index.js';
import { WatchedDirectory, WatchRule } from '../../src/discovery/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { tempDir } from '../support/cli.js';

const USERS = 3_000;
const SHARDS = 8;
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const count = (n: number): string => n.toLocaleString('en-US');

const dir = tempDir('online-check-test-');
let simulator: GraphSimulator;

beforeAll(async () => {
  simulator = await startGraphSimulator({
    userCount: USERS,
    autoChurn: false,
    directory: {
      // 0 holds 1 holds 2 holds 0 (a cycle); 0 and 1 share 200 users; 3 is empty.
      groupLayout: [
        { users: range(0, 1200), groups: [1] },
        { users: range(1000, 2200), groups: [2] },
        { users: [2200, 2201], groups: [0] },
        {},
      ],
      guestShare: 0.1,
      disabledShare: 0.05,
    },
  });
});

afterEach(() => {
  simulator.directory.setFaults({ missingPermissions: [], duplicatePageShare: 0, emptyPageShare: 0 });
});

afterAll(async () => {
  await simulator?.close();
  dir.remove();
});

type Section = Record<string, unknown>;

function configFor(
  discovery: Section | undefined,
  shards: Section[] = [],
  env: Record<string, string> = {},
  sections: Record<string, Section> = {},
) {
  const file = dir.file(
    `connector-${Math.random().toString(36).slice(2)}.yaml`,
    stringify({
      tenant: { id: simulator.tenantId, clientId: simulator.clientId },
      graph: {
        cloud: 'custom',
        graphUrl: simulator.graphUrl,
        authorityUrl: new URL(simulator.authorityUrl).origin,
        caFile: dir.file('simulator-ca.pem', simulator.caCertificatePem),
        ...sections['graph'],
      },
      kafka: { brokers: ['kafka-1:9092'] },
      ...(sections['polling'] === undefined ? {} : { polling: sections['polling'] }),
      ...(discovery === undefined ? {} : { discovery }),
      ...(shards.length === 0 ? {} : { shards }),
    }),
  );
  return loadConfig({ file, env: { PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret, ...env } });
}

async function check(config: ConnectorConfig): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  simulator.resetRecording();
  const code = await runOnlineCheck(config, summarizeConfig(config), {
    line: (text) => lines.push(text),
    error: (text) => errors.push(text),
  });
  expect(simulator.recording.counters().presenceRequests).toBe(0);
  return { code, lines, errors };
}

const group = (index: number): string => simulator.directory.groupIdAt(index);
const enabled = (id: string): boolean => simulator.directory.user(id).accountEnabled;
const line = (lines: string[], start: string): string => lines.find((text) => text.includes(start)) ?? '';

describe('check-config --online', () => {
  it('resolves a tenant and a nested group to the simulator counts, spread over the discovered shards', async () => {
    simulator.directory.setFaults({ duplicatePageShare: 0.3, emptyPageShare: 0.2 });
    const listed = simulator.directory.transitiveUserIds(0).filter(enabled).slice(0, 5);
    const config = configFor({ sources: [{ type: 'tenant' }, { type: 'group', groupId: group(0) }], shards: SHARDS }, [
      { name: 'vip', users: listed },
    ]);
    const { code, lines, errors } = await check(config);
    expect(errors).toEqual([]);
    expect(code, lines.join('\n')).toBe(0);

    const all = simulator.directory.userIds();
    const members = simulator.directory.userIds({ enabledOnly: true, membersOnly: true });
    const guests = simulator.directory.userIds({ enabledOnly: true }).length - members.length;
    expect(line(lines, 'the whole tenant:')).toContain(
      `the whole tenant: ${count(all.length)} users read: ${count(members.length)} enabled members (watched), ` +
        `${count(guests)} enabled guests (not watched), ${count(all.length - members.length - guests)} disabled`,
    );
    const transitive = simulator.directory.transitiveUserIds(0);
    expect(transitive).toHaveLength(2202);
    const disabledInGroup = transitive.filter((id) => !enabled(id)).length;
    expect(line(lines, `group ${group(0)}:`)).toContain(
      `group ${group(0)}: ${count(transitive.length)} users with nested groups, ${count(disabledInGroup)} of them disabled`,
    );

    // Watched: enabled members of the tenant and enabled group users, once each, minus those listed in a shard.
    const expected = new Set([...members, ...transitive.filter(enabled)]);
    for (const id of listed) expected.delete(id);
    // Every group user is in the tenant too: the enabled ones the discovered shards poll were found twice.
    const several = transitive.filter((id) => enabled(id) && !listed.includes(id)).length;
    expect(line(lines, '  watched ')).toBe(
      `  watched     ${count(expected.size)} users in discovered shards (${count(several)} found by more than ` +
        `one source, counted once; 5 more also listed in shards, polled there)`,
    );
    const hashed = new WatchedDirectory({
      rule: new WatchRule([]),
      shardNames: config.discovery?.shardNames ?? [],
      isExplicit: () => false,
    });
    const sizes = new Map<string, number>();
    for (const id of expected) sizes.set(hashed.shardOf(id), (sizes.get(hashed.shardOf(id)) ?? 0) + 1);
    expect([...sizes.values()].reduce((sum, n) => sum + n, 0)).toBe(expected.size);
    expect(line(lines, 'per shard:')).toBe(
      `              per shard: min ${count(Math.min(...sizes.values()))}, max ${count(Math.max(...sizes.values()))}, ` +
        `mean ${(expected.size / SHARDS).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} over ${SHARDS} shards`,
    );

    // The presence arithmetic of the offline report, for the counted population.
    const perShard = Math.ceil(expected.size / SHARDS);
    expect(line(lines, '  presence ')).toBe(
      `  presence    ${count(expected.size)} users (counted against Graph): about ${count(perShard)} per shard, ` +
        `1 request per shard per cycle, ${SHARDS} in all`,
    );
    expect(line(lines, 'Requests per cycle:')).toMatch(
      new RegExp(`^Requests per cycle: ${SHARDS + 1} \\(1 listed \\+ ${SHARDS} discovered\\); budget .*: fits$`),
    );
    const requests = simulator.recording.directoryCounters().requests;
    expect(requests).toBeGreaterThan(USERS / 100); // pages of 100, some of them repeated or empty
    expect(line(lines, '  directory ')).toMatch(new RegExp(`^  directory   ${requests} requests in \\d+\\.\\d\\d s`));
    expect(lines.at(-1)).toMatch(
      new RegExp(`^Online check OK in \\d+\\.\\d\\d s: ${requests} directory requests, no presence request$`),
    );
  });

  it('counts guests as watched when the tenant source includes them, and warns when they overrun the budget', async () => {
    const config = configFor(
      { sources: [{ type: 'tenant', includeGuests: true }], shards: 4 },
      [],
      {},
      {
        graph: { batchSize: 10 },
        polling: { intervalSeconds: 5, startJitterSeconds: 0 },
      },
    );
    const { code, lines } = await check(config);
    expect(code).toBe(0);
    const watched = simulator.directory.userIds({ enabledOnly: true }).length;
    expect(line(lines, 'the whole tenant:')).toContain('enabled guests (watched)');
    expect(line(lines, '  watched ')).toBe(`  watched     ${count(watched)} users in discovered shards`);
    // Offline the population was unknown, so no warning; counted, ~70 batches per shard overrun 250 per 5 s.
    const requests = 4 * Math.ceil(watched / 4 / 10);
    expect(line(lines, 'Requests per cycle:')).toContain(`${requests} (0 listed + ${requests} discovered)`);
    expect(line(lines, 'Requests per cycle:')).toMatch(/DOES NOT FIT$/);
    expect(lines).toContain('Warnings:');
    expect(line(lines, '  - ')).toMatch(new RegExp(`^  - ${requests} requests per cycle exceed the request budget`));
  });

  it('names every missing permission and exits 1, counting nothing', async () => {
    simulator.directory.setFaults({ missingPermissions: ['User.Read.All', 'GroupMember.Read.All'] });
    const config = configFor({ sources: [{ type: 'tenant' }, { type: 'group', groupId: group(1) }], shards: 4 });
    const { code, lines, errors } = await check(config);
    expect(code).toBe(1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^GRAPH_FORBIDDEN: .*the users of the tenant.* User\.Read\.All application permission/);
    expect(errors[1]).toMatch(new RegExp(`^GRAPH_FORBIDDEN: .*group ${group(1)}.* GroupMember\\.Read\\.All`));
    expect(line(lines, 'the whole tenant:')).toContain('could not be read (GRAPH_FORBIDDEN) after 0 users');
    expect(line(lines, `group ${group(1)}:`)).toContain('could not be read (GRAPH_FORBIDDEN)');
    expect(line(lines, '  watched ')).toContain('not counted');
    expect(lines.some((text) => text.startsWith('Requests per cycle:'))).toBe(false);
    expect(lines.at(-1)).toMatch(/^Online check FAILED in \d+\.\d\d s: 2 directory requests, no presence request$/);
  });

  it('reports a group Graph does not have and exits 1, still counting the others', async () => {
    const missing = '0b9c6e1e-0000-4000-8000-00000000abcd';
    const config = configFor({
      sources: [
        { type: 'group', groupId: group(2) },
        { type: 'group', groupId: missing },
        { type: 'group', groupId: group(3) },
      ],
      shards: 2,
    });
    const { code, lines, errors } = await check(config);
    expect(code).toBe(1);
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^GRAPH_GROUP_NOT_FOUND: .*${missing}`))]);
    expect(line(lines, `group ${missing}:`)).toBe(
      `              group ${missing}: MISSING: Graph has no group with this id (404)`,
    );
    expect(line(lines, `group ${group(3)}:`)).toContain('0 users with nested groups');
    const watched = simulator.directory.transitiveUserIds(2).filter(enabled).length;
    expect(line(lines, '  watched ')).toBe(`  watched     ${count(watched)} users in discovered shards`);
    expect(lines.at(-1)).toMatch(/^Online check FAILED/);
  });

  it('without discovery only signs in: nothing to resolve, exit 0', async () => {
    const config = configFor(undefined, [{ name: 'all', users: simulator.userIds().slice(0, 3) }]);
    const { code, lines } = await check(config);
    expect(code).toBe(0);
    expect(line(lines, '  token ')).toMatch(new RegExp(`^  token       app ${simulator.clientId} signed in at `));
    expect(line(lines, '  discovery ')).toBe('  discovery   none configured: no sources to resolve against Graph');
    expect(simulator.recording.directoryCounters().requests).toBe(0);
    expect(simulator.recording.counters().tokenRequests).toBe(1);
  });

  it('fails with AUTH_FAILED when Entra ID refuses the credential', async () => {
    const config = configFor({ sources: [{ type: 'tenant' }] }, [], {
      PRESENCE_TENANT_CLIENT_SECRET: 'not-the-secret',
    });
    const { code, lines, errors } = await check(config);
    expect(code).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/^AUTH_FAILED: /)]);
    expect(lines.at(-1)).toMatch(/^Online check FAILED in \d+\.\d\d s: 0 directory requests$/);
    expect(simulator.recording.directoryCounters().requests).toBe(0);
  });
});
