import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startGraphSimulator, userIds, type GraphSimulator } from '../../src/simulator/index.js';
import { runCli, tempDir } from '../support/cli.js';

const dir = tempDir();
afterAll(() => dir.remove());

const SECRET = 'check-config~test-secret-value';
const CLIENT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('presence-connector check-config', () => {
  it('prints shards, users and requests per cycle for a valid config and exits 0', async () => {
    const ids = userIds(1_303);
    const usersFile = dir.file('north-users.txt', `# north\n${ids.slice(0, 1_300).join('\n')}\n`);
    const config = dir.file(
      'valid.yaml',
      [
        'tenant:',
        '  id: contoso.onmicrosoft.com',
        `  clientId: ${CLIENT_ID}`,
        'kafka:',
        '  brokers: [kafka-1:9092, kafka-2:9092]',
        '  topic: presence',
        'polling:',
        '  intervalSeconds: 30',
        'shards:',
        '  - name: north',
        `    usersFile: ${usersFile}`,
        '  - name: south',
        `    users: [${ids.slice(1_300).join(', ')}]`,
      ].join('\n'),
    );

    const result = await runCli(['check-config', '--config', config], { PRESENCE_TENANT_CLIENT_SECRET: SECRET });

    expect(result.code, result.stderr).toBe(0);
    const output = result.stdout.join('\n');
    expect(output).toContain(`Configuration OK: ${config}`);
    expect(output).toContain('Shards: 2, 1,303 users');
    expect(result.stdout.find((line) => line.trim().startsWith('north'))).toMatch(
      /1,300 users\s+2 requests per cycle$/,
    );
    expect(result.stdout.find((line) => line.trim().startsWith('south'))).toMatch(/3 users\s+1 request per cycle$/);
    expect(output).toContain('Requests per cycle: 3;');
    expect(output).toContain('client secret (env PRESENCE_TENANT_CLIENT_SECRET)');
    expect(output).not.toContain(SECRET);
  });

  it("exits 3 when the shards do not fit Graph's request budget: valid, but it would fall behind", async () => {
    const lines = [
      'tenant:',
      '  id: contoso.onmicrosoft.com',
      `  clientId: ${CLIENT_ID}`,
      'kafka:',
      '  brokers: [kafka-1:9092]',
      'graph:',
      '  requestBudget: { maxRequests: 2, windowSeconds: 30 }',
      'polling:',
      '  intervalSeconds: 30',
      'shards:',
      '  - name: north',
      `    users: [${userIds(1_301).join(', ')}]`,
    ];
    const over = await runCli(['check-config', '--config', dir.file('over.yaml', lines.join('\n'))], {
      PRESENCE_TENANT_CLIENT_SECRET: SECRET,
    });
    expect(over.code, over.stderr).toBe(3);
    const output = over.stdout.join('\n');
    expect(output).toContain('Requests per cycle: 3; budget 2 per 30 s allows 2 per 30 s interval: DOES NOT FIT');
    expect(output).toMatch(/Warnings:\n {2}- 3 requests per cycle exceed the request budget/);
    expect(over.stderr).toMatch(/exit 3: the configuration is valid, but its shards do not fit/);
    // Within the budget once the interval is long enough: 0.
    const fits = await runCli(['check-config', '--config', dir.file('fits.yaml', lines.join('\n'))], {
      PRESENCE_TENANT_CLIENT_SECRET: SECRET,
      PRESENCE_POLLING_INTERVAL_SECONDS: '45',
    });
    expect(fits.code, fits.stderr).toBe(0);
  });

  it('warns of a misspelt PRESENCE_* variable with the one meant, among the warnings, and still exits 0', async () => {
    const config = dir.file(
      'typo.yaml',
      stringify({
        tenant: { id: 'contoso.onmicrosoft.com', clientId: CLIENT_ID },
        kafka: { brokers: ['k:9092'] },
        shards: [{ name: 'a', users: userIds(1) }],
      }),
    );
    const result = await runCli(['check-config', '--config', config], {
      PRESENCE_TENANT_CLIENT_SECRET: SECRET,
      PRESENCE_POLLING_INTERVALSECONDS: '30',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.join('\n')).toContain(
      'Warnings:\n  - env PRESENCE_POLLING_INTERVALSECONDS: unknown variable, ignored; did you mean PRESENCE_POLLING_INTERVAL_SECONDS?',
    );
    expect(result.stdout.join('\n')).toContain('polling     every 60 s');
    // When the load fails, the warning goes to stderr with the problems: it may be their cause.
    const failed = await runCli(['check-config', '--config', config], { PRESENCE_TENANT_CLIENT_SECRT: SECRET });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^warning: env PRESENCE_TENANT_CLIENT_SECRT: .*did you mean PRESENCE_TENANT_CLIENT_SECRET\?\nCONFIG_INVALID/,
    );
  });

  it('lists every problem with file:line and exits non-zero', async () => {
    const config = dir.file(
      'broken.yaml',
      [
        'tenant:', // 1
        '  id: common', // 2
        '  clientId: 1234', // 3
        'kafka:', // 4
        '  brokers: [localhost:9092]', // 5
        'graph:', // 6
        '  batchSize: 651', // 7
        'shards:', // 8
        '  - name: emea', // 9
        '    users: [abc]', // 10
      ].join('\n'),
    );

    const result = await runCli(['check-config', '--config', config], { PRESENCE_TENANT_CLIENT_SECRET: SECRET });

    expect(result.code).toBe(1);
    expect(result.stdout.join('\n')).not.toContain('Configuration OK');
    expect(result.stderr).toContain('CONFIG_INVALID');
    const at = (line: number, rest: string): RegExp =>
      new RegExp(`^\\s*${escapeRegExp(config)}:${line}:\\d+ ${escapeRegExp(rest)}`);
    const problems = result.stderr.split('\n').filter((line) => line.includes(`${config}:`));
    expect(problems, result.stderr).toHaveLength(4);
    expect(problems[0]).toMatch(at(2, 'tenant.id: "common" cannot be used'));
    expect(problems[1]).toMatch(at(3, 'tenant.clientId: expected a string, got 1234'));
    expect(problems[2]).toMatch(at(7, 'graph.batchSize: must be at most 650 (got 651)'));
    expect(problems[3]).toMatch(at(10, 'shards[0].users[0]: "abc" is not a GUID'));
  });

  it('explains the discovered shards and their budget, and reports a group listed twice at its line', async () => {
    const group = '5b1c2d3e-0000-4000-8000-00000000aaaa';
    const lines = [
      'tenant:', // 1
      '  id: contoso.onmicrosoft.com', // 2
      `  clientId: ${CLIENT_ID}`, // 3
      'kafka:', // 4
      '  brokers: [kafka-1:9092]', // 5
      'discovery:', // 6
      '  sources:', // 7
      '    - type: tenant', // 8
      `    - { type: group, groupId: ${group} }`, // 9
      '  shards: 16', // 10
      '  estimatedUsers: 100000', // 11
    ];
    const valid = dir.file('discovery.yaml', lines.join('\n'));
    const ok = await runCli(['check-config', '--config', valid], { PRESENCE_TENANT_CLIENT_SECRET: SECRET });
    expect(ok.code, ok.stderr).toBe(0);
    const output = ok.stdout.join('\n');
    expect(output).toContain('Shards: none listed, 16 discovered');
    expect(output).toContain('Discovery: 16 shards discovered-00 .. discovered-15');
    expect(output).toContain(`              group ${group}: its users, nested groups included`);
    expect(output).toContain('  directory   topic presence-connector.directory: a round every 300 s');
    expect(output).toContain('Requests per cycle: 160 (0 listed + 160 discovered); budget 1,500 per 30 s');

    const withTwice = [
      ...lines.slice(0, 9),
      `    - { type: group, groupId: ${group.toUpperCase()} }`,
      ...lines.slice(9),
    ];
    const twice = dir.file('discovery-twice.yaml', withTwice.join('\n'));
    const failed = await runCli(['check-config', '--config', twice], { PRESENCE_TENANT_CLIENT_SECRET: SECRET });
    expect(failed.code).toBe(1);
    const at = (line: number, column: number): string => `${twice}:${line}:${column}`;
    expect(failed.stderr).toContain(
      `${at(10, 31)} discovery.sources[2].groupId: group ${group} is listed twice; also at ${at(9, 31)} discovery.sources[1].groupId`,
    );
  });
});

describe('presence-connector check-config --online', () => {
  let simulator: GraphSimulator;

  beforeAll(async () => {
    simulator = await startGraphSimulator({
      userCount: 1_000,
      autoChurn: false,
      directory: { groupLayout: [{ users: [0, 1, 2], groups: [1] }, { users: [3, 4] }] },
    });
  });

  afterAll(async () => {
    await simulator?.close();
  });

  function onlineConfig(name: string, extra: Record<string, unknown> = {}): string {
    return dir.file(
      name,
      stringify({
        tenant: { id: simulator.tenantId, clientId: simulator.clientId },
        graph: {
          cloud: 'custom',
          graphUrl: simulator.graphUrl,
          authorityUrl: new URL(simulator.authorityUrl).origin,
          caFile: dir.file('simulator-ca.pem', simulator.caCertificatePem),
        },
        kafka: { brokers: ['kafka-1:9092'] },
        discovery: {
          sources: [{ type: 'tenant' }, { type: 'group', groupId: simulator.directory.groupIdAt(0) }],
          shards: 4,
        },
        ...extra,
      }),
    );
  }

  it('prints the offline summary, then what Graph holds, and exits 0 without polling presence', async () => {
    const config = onlineConfig('online.yaml');
    simulator.resetRecording();
    const result = await runCli(['check-config', '--config', config, '--online'], {
      PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret,
    });
    expect(result.code, `${result.stdout.join('\n')}\n${result.stderr}`).toBe(0);
    const output = result.stdout.join('\n');
    expect(output).toContain(`Configuration OK: ${config}`);
    const online = result.stdout.slice(result.stdout.findIndex((line) => line.startsWith('Online check against')));
    const { directory } = simulator;
    const watched = new Set([
      ...directory.userIds({ enabledOnly: true, membersOnly: true }),
      ...directory.transitiveUserIds(0).filter((id) => directory.user(id).accountEnabled),
    ]).size;
    expect(online.join('\n')).toContain(
      `  watched     ${watched.toLocaleString('en-US')} users in discovered shards (`,
    );
    expect(online.join('\n')).toMatch(/\n {14}group [0-9a-f-]{36}: 5 users with nested groups, \d+ of them disabled/);
    expect(online.at(-1)).toMatch(/^Online check OK in \d+\.\d\d s: \d+ directory requests, no presence request$/);
    expect(simulator.recording.counters().presenceRequests).toBe(0);
  });

  it('exits 1 naming the permission Graph refused', async () => {
    simulator.directory.setFaults({ missingPermissions: ['User.Read.All'] });
    try {
      const result = await runCli(['check-config', '-c', onlineConfig('online-403.yaml'), '--online'], {
        PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^GRAPH_FORBIDDEN: .*needs the User\.Read\.All application permission/m);
      expect(result.stdout.at(-1)).toMatch(/^Online check FAILED in /);
    } finally {
      simulator.directory.setFaults({ missingPermissions: [] });
    }
  });

  it('exits 3 when the users it counted do not fit the presence budget, though the listed shards alone would', async () => {
    // About 950 discovered users over 4 shards is 4 requests per cycle: more than 1 request per 30 s allows in 10 s.
    const config = onlineConfig('online-over-budget.yaml', {
      graph: {
        cloud: 'custom',
        graphUrl: simulator.graphUrl,
        authorityUrl: new URL(simulator.authorityUrl).origin,
        caFile: dir.file('simulator-ca.pem', simulator.caCertificatePem),
        requestBudget: { maxRequests: 1, windowSeconds: 30 },
      },
      polling: { intervalSeconds: 10, startJitterSeconds: 0 },
    });
    const result = await runCli(['check-config', '--config', config, '--online'], {
      PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret,
    });
    expect(result.code, `${result.stdout.join('\n')}\n${result.stderr}`).toBe(3);
    expect(result.stderr).toContain('do not fit');
  });
});
