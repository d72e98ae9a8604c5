/**
 * The report of `check-config --online` from a directory filled by hand: how users are counted per source (members,
 * guests, disabled; group members), found by several sources, listed in shards; and what a missing group or an
 * unreadable source turns the report into. The round against Graph itself is online-check.test.ts's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { reportLines, type OnlineRound } from '../../src/cli/online-report.js';
import { loadConfig, type ConnectorConfig } from '../../src/config/index.js';
import { groupBit, IN_TENANT, withAttributes } from '../../src/discovery/directory-entry.js';
import { WatchedDirectory, WatchRule } from '../../src/discovery/index.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { tempDir } from '../support/cli.js';

const dir = tempDir('online-report-test-');
afterAll(() => dir.remove());

const GROUP = '5b1c2d3e-0000-4000-8000-00000000aaaa';
const LISTED = '00000009-0000-4000-8000-000000000009';
const id = (n: number): string => `0000000${n}-0000-4000-8000-00000000000${n}`;

function config(): ConnectorConfig {
  const file = dir.file(
    'connector.yaml',
    stringify({
      tenant: { id: 'contoso.onmicrosoft.com', clientId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' },
      kafka: { brokers: ['kafka-1:9092'] },
      discovery: { sources: [{ type: 'tenant' }, { type: 'group', groupId: GROUP }], shards: 2 },
      shards: [{ name: 'listed', users: [LISTED] }],
    }),
  );
  return loadConfig({ file, env: { PRESENCE_TENANT_CLIENT_SECRET: 'secret' } });
}

const member = withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Member' });
const guest = withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Guest' });
const disabled = withAttributes(IN_TENANT, { accountEnabled: false, userType: 'Member' });

function round(connector: ConnectorConfig, changes: Partial<OnlineRound> = {}): OnlineRound {
  const discovery = connector.discovery;
  if (discovery === undefined) throw new Error('the test config has a discovery section');
  const rule = new WatchRule(discovery.sources);
  const explicit = new Set([LISTED]);
  const directory = new WatchedDirectory({
    rule,
    shardNames: discovery.shardNames,
    isExplicit: (userId) => explicit.has(userId),
  });
  const inGroup = rule.bitOfGroup(GROUP) ?? groupBit(0);
  directory.set(id(1), member);
  directory.set(id(2), member | inGroup); // found by both sources
  directory.set(id(3), guest);
  directory.set(id(4), disabled | inGroup);
  directory.set(id(5), inGroup); // only in the group; attributes not sent
  directory.set(LISTED, member);
  return {
    discovery,
    directory,
    rule,
    explicit,
    report: { changed: 6, entriesRead: 7, missingGroups: [], deltaLink: undefined },
    failures: new Map(),
    roundMs: 1_250,
    requests: { answered: 4, retried: 1, throttled: 0 },
    ...changes,
  };
}

describe('the online report', () => {
  it('counts each source, the users found twice or listed, and works out the budget for the watched users', () => {
    const connector = config();
    const { lines, problems } = reportLines(connector, round(connector), []);
    expect(problems).toEqual([]);
    expect(lines[0]).toBe(
      '  sources     the whole tenant: 5 users read: 3 enabled members (watched), 1 enabled guests (not watched), 1 disabled (not watched)',
    );
    expect(lines[1]).toBe(`              group ${GROUP}: 3 users with nested groups, 1 of them disabled (not watched)`);
    expect(lines[2]).toBe('  directory   4 requests in 1.25 s for one full round (1 retried, 0 after a Retry-After)');
    expect(lines[3]).toMatch(
      /^ {2}watched {5}3 users in discovered shards \(1 found by more than one source, counted once; 1 more also listed in shards, polled there\)$/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^Requests per cycle: /));
  });

  it('reports a missing group and an unreadable source as problems, and counts no watched set without a source', () => {
    const connector = config();
    const missing = new ConnectorError(ErrorCodes.GRAPH_GROUP_NOT_FOUND, `group ${GROUP} does not exist`);
    const gone = reportLines(
      connector,
      round(connector, {
        report: { changed: 0, entriesRead: 0, missingGroups: [GROUP], deltaLink: undefined },
        failures: new Map([[GROUP, missing]]),
      }),
      [],
    );
    expect(gone.lines[1]).toBe(`              group ${GROUP}: MISSING: Graph has no group with this id (404)`);
    expect(gone.problems).toEqual([`GRAPH_GROUP_NOT_FOUND: group ${GROUP} does not exist`]);
    const refused = new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'needs User.Read.All');
    const unread = reportLines(connector, round(connector, { failures: new Map([['tenant', refused]]) }), []);
    expect(unread.lines[0]).toBe('  sources     the whole tenant: could not be read (GRAPH_FORBIDDEN) after 5 users');
    expect(unread.lines.at(-1)).toBe('  watched     not counted: a source could not be read (see the errors)');
    expect(unread.problems).toEqual(['GRAPH_FORBIDDEN: needs User.Read.All']);
  });
});
