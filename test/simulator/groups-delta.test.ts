import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../src/simulator/directory.js';
import { MAX_FILTER_IDS, parseGroupFilter } from '../../src/simulator/groups-delta.js';
import {
  directoryBody,
  graphErrorBody,
  graphGet,
  idFilter,
  pathOf,
  readRound,
  startHarness,
  tokenFor,
  type Harness,
} from './helpers.js';

type Member = { '@odata.type': string; id: string; '@removed'?: { reason: string } };

/** Group 0 has users 0-9 and group 1 nested; group 1 has users 10-14 and group 0 nested (a cycle); group 2 none. */
const LAYOUT = [
  { users: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], groups: [1] },
  { users: [10, 11, 12, 13, 14], groups: [0] },
  {},
];

function members(values: Record<string, unknown>[], groupId: string): Member[] {
  return values
    .filter((group) => group['id'] === groupId)
    .flatMap((group) => (group['members@delta'] ?? []) as Member[]);
}

describe('GET /{v1.0|beta}/groups/delta', () => {
  let harness: Harness;
  let token: string;
  let group0: string;
  let group1: string;

  beforeAll(async () => {
    harness = await startHarness({ userCount: 40, directory: { groupLayout: LAYOUT, membersPerPage: 4 } });
    token = await tokenFor(harness);
    group0 = harness.sim.directory.groupIdAt(0);
    group1 = harness.sim.directory.groupIdAt(1);
  });
  afterAll(() => harness.close());

  it('lists direct members, a nested group as one entry of type group, split over pages as the same group', async () => {
    for (const version of ['v1.0', 'beta'] as const) {
      const round = await readRound(
        harness,
        token,
        `/${version}/groups/delta?$filter=${idFilter(group0)}&$select=members`,
      );
      // 11 members, 4 a page: the group object comes three times, each with the next members.
      expect(round.pages.map((page) => page.value.map((group) => group['id']))).toEqual([[group0], [group0], [group0]]);
      expect(round.pages[0]?.['@odata.context']).toBe(`${harness.sim.graphUrl}/${version}/$metadata#groups(members)`);
      const all = members(round.values, group0);
      expect(all.filter((m) => m['@odata.type'] === '#microsoft.graph.user').map((m) => m.id)).toEqual(
        Array.from({ length: 10 }, (_, i) => harness.sim.directory.user(i).id),
      );
      expect(all.filter((m) => m['@odata.type'] === '#microsoft.graph.group')).toEqual([
        { '@odata.type': '#microsoft.graph.group', id: group1 },
      ]);
      expect(round.deltaLink).toMatch(/\/groups\/delta\?\$deltatoken=/);
      expect(Object.keys(round.values[0] ?? {})).toEqual(['id', 'members@delta']);
    }
  });

  it('reports added and removed members since the delta link, a deleted user as removed', async () => {
    const { deltaLink } = await readRound(
      harness,
      token,
      `/v1.0/groups/delta?$filter=${idFilter(group0, group1)}&$select=members`,
    );
    const directory = harness.sim.directory;
    directory.addMembers(0, [20, 21]);
    directory.removeMembers(0, [1]);
    directory.deleteUsers([2]);
    directory.addMembers(1, [directory.groupIdAt(2)]);
    directory.disableUsers([3]); // not a membership change: group delta does not report it
    const round = await readRound(harness, token, pathOf(harness, deltaLink ?? ''));
    const user = (i: number): string => directory.user(i).id;
    expect(members(round.values, group0)).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: user(1), '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.user', id: user(2), '@removed': { reason: 'deleted' } },
      { '@odata.type': '#microsoft.graph.user', id: user(20) },
      { '@odata.type': '#microsoft.graph.user', id: user(21) },
    ]);
    expect(members(round.values, group1)).toEqual([
      { '@odata.type': '#microsoft.graph.group', id: directory.groupIdAt(2) },
    ]);
    const quiet = await readRound(harness, token, pathOf(harness, round.deltaLink ?? ''));
    expect(quiet.values).toEqual([]);
  });

  it('lists every group without $filter; a group without members carries no members@delta', async () => {
    const round = await readRound(harness, token, '/v1.0/groups/delta?$select=displayName,members');
    const empty = round.values.find((group) => group['id'] === harness.sim.directory.groupIdAt(2));
    expect(empty).toEqual({ displayName: 'Sales', id: harness.sim.directory.groupIdAt(2) });
    expect(new Set(round.values.map((group) => group['id'])).size).toBe(3);
  });

  it("serves the group's default properties and its members without $select", async () => {
    const round = await readRound(harness, token, `/v1.0/groups/delta?$filter=${idFilter(group1)}`);
    expect(round.values[0]).toMatchObject({ id: group1, displayName: 'Engineering', securityEnabled: true });
    expect(members(round.values, group1).length).toBeGreaterThan(0);
  });

  it('answers $deltatoken=latest with a deltaLink and no groups; ids that are no group give an empty round', async () => {
    const latest = directoryBody(
      await graphGet(
        harness,
        token,
        `/v1.0/groups/delta?$filter=${idFilter(group0)}&$select=members&$deltatoken=latest`,
      ),
    );
    expect([latest.value, latest['@odata.deltaLink'] !== undefined]).toEqual([[], true]);
    harness.sim.directory.addMembers(0, [30]);
    const round = await readRound(harness, token, pathOf(harness, latest['@odata.deltaLink'] ?? ''));
    expect(members(round.values, group0)).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: harness.sim.directory.user(30).id },
    ]);
    const unknown = await readRound(
      harness,
      token,
      `/v1.0/groups/delta?$filter=${idFilter('0a0b0c0d-1111-4222-8333-444455556666')}`,
    );
    expect(unknown.values).toEqual([]);
  });

  it('answers an unsupported $filter with 400', async () => {
    const result = await graphGet(
      harness,
      token,
      `/v1.0/groups/delta?$filter=${encodeURIComponent("displayName eq 'x'")}`,
    );
    expect([result.status, graphErrorBody(result).error.code]).toEqual([400, 'Request_UnsupportedQuery']);
  });

  it('repeats members across pages under the duplicates fault, and every member still comes', async () => {
    harness.sim.directory.setFaults({ duplicatePageShare: 1 });
    try {
      const round = await readRound(harness, token, `/v1.0/groups/delta?$filter=${idFilter(group0)}&$select=members`);
      const ids = members(round.values, group0).map((member) => member.id);
      expect(ids.length).toBeGreaterThan(new Set(ids).size);
      expect(new Set(ids)).toEqual(new Set([...harness.sim.directory.directMembers(0).users, group1]));
    } finally {
      harness.sim.directory.setFaults({ duplicatePageShare: 0 });
    }
  });
});

describe('parseGroupFilter', () => {
  const directory = new Directory(10, 3, 1, 10);

  it("reads `id eq '...'` terms joined by or, in any case, leaving out ids that are no group", () => {
    const filter = [directory.groupId(2), directory.groupId(0).toUpperCase(), directory.userId(1)]
      .map((id) => `ID  EQ '${id}'`)
      .join(' OR ');
    expect(parseGroupFilter(filter, directory)).toEqual([2, 0]);
  });

  it(`refuses other expressions and more than ${MAX_FILTER_IDS} ids`, () => {
    expect(typeof parseGroupFilter("startswith(displayName,'a')", directory)).toBe('string');
    const many = Array.from({ length: MAX_FILTER_IDS + 1 }, () => `id eq '${directory.groupId(0)}'`).join(' or ');
    expect(parseGroupFilter(many, directory)).toMatch(/At most 50/);
  });
});
