import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIST_PAGE_SIZE } from '../../src/simulator/group-members.js';
import { graphErrorBody, graphGet, readRound, startHarness, tokenFor, type Harness } from './helpers.js';

/** 0 -> {users 0-29, group 1}; 1 -> {users 25-39, group 2}; 2 -> {users 40-44, group 0}: nested, with a cycle. */
const LAYOUT = [
  { users: Array.from({ length: 30 }, (_, i) => i), groups: [1] },
  { users: Array.from({ length: 15 }, (_, i) => 25 + i), groups: [2] },
  { users: [40, 41, 42, 43, 44], groups: [0] },
];

describe('GET /{v1.0|beta}/groups/{id}/members and /transitiveMembers', () => {
  let harness: Harness;
  let token: string;
  let group0: string;

  beforeAll(async () => {
    harness = await startHarness({ userCount: 60, directory: { groupLayout: LAYOUT } });
    token = await tokenFor(harness);
    group0 = harness.sim.directory.groupIdAt(0);
  });
  afterAll(() => harness.close());

  it('lists the direct user members, paged by $top with nextLinks that keep $select and $top', async () => {
    for (const version of ['v1.0', 'beta'] as const) {
      const round = await readRound(
        harness,
        token,
        `/${version}/groups/${group0}/members/microsoft.graph.user?$select=id&$top=7`,
      );
      expect(round.pages.map((page) => page.value.length)).toEqual([7, 7, 7, 7, 2]);
      expect(round.pages[0]?.['@odata.nextLink']).toMatch(
        new RegExp(
          `/${version}/groups/${group0}/members/microsoft\\.graph\\.user\\?\\$select=id&\\$top=7&\\$skiptoken=`,
        ),
      );
      expect(round.pages[0]?.['@odata.context']).toBe(`${harness.sim.graphUrl}/${version}/$metadata#users(id)`);
      expect(round.values).toEqual(harness.sim.directory.directMembers(0).users.map((id) => ({ id })));
      expect(round.deltaLink).toBeNull();
    }
  });

  it('lists users and nested groups with their @odata.type without a cast', async () => {
    const round = await readRound(harness, token, `/v1.0/groups/${group0}/members?$select=id,displayName`);
    expect(round.values).toHaveLength(31);
    expect(round.values.at(-1)).toEqual({
      '@odata.type': '#microsoft.graph.group',
      id: harness.sim.directory.groupIdAt(1),
      displayName: 'Engineering',
    });
    expect(round.values[0]).toMatchObject({
      '@odata.type': '#microsoft.graph.user',
      id: harness.sim.directory.user(0).id,
    });
    expect(round.pages[0]?.['@odata.context']).toMatch(/\$metadata#directoryObjects\(id,displayName\)$/);
  });

  it('lists every user reachable through nested groups once, cycles included, with the selected properties', async () => {
    const round = await readRound(
      harness,
      token,
      `/v1.0/groups/${group0}/transitiveMembers/microsoft.graph.user?$select=id,accountEnabled,userType&$top=${MAX_LIST_PAGE_SIZE}`,
    );
    const ids = round.values.map((user) => user['id']);
    expect(ids).toEqual(Array.from({ length: 45 }, (_, i) => harness.sim.directory.user(i).id));
    expect(ids).toEqual(harness.sim.directory.transitiveUserIds(0));
    expect(Object.keys(round.values[0] ?? {})).toEqual(['id', 'accountEnabled', 'userType']);
    const groups = await readRound(
      harness,
      token,
      `/v1.0/groups/${group0}/transitiveMembers/microsoft.graph.group?$select=id`,
    );
    expect(groups.values.map((group) => group['id'])).toEqual([1, 2].map((i) => harness.sim.directory.groupIdAt(i)));
  });

  it('follows changes: a removed member leaves the transitive list, a new one joins it', async () => {
    const directory = harness.sim.directory;
    directory.removeMembers(1, [directory.groupIdAt(2)]);
    directory.addMembers(2, [50]);
    try {
      const round = await readRound(
        harness,
        token,
        `/v1.0/groups/${group0}/transitiveMembers/microsoft.graph.user?$select=id`,
      );
      expect(round.values).toHaveLength(40);
    } finally {
      directory.addMembers(1, [directory.groupIdAt(2)]);
      directory.removeMembers(2, [50]);
    }
  });

  it('answers $top above 999 with 400, an unknown group with 404 Request_ResourceNotFound', async () => {
    const tooMany = await graphGet(harness, token, `/v1.0/groups/${group0}/members?$top=1000`);
    expect([tooMany.status, graphErrorBody(tooMany).error.code]).toEqual([400, 'Request_UnsupportedQuery']);
    const unknown = await graphGet(harness, token, '/v1.0/groups/0a0b0c0d-1111-4222-8333-444455556666/members');
    expect([unknown.status, graphErrorBody(unknown).error.code]).toEqual([404, 'Request_ResourceNotFound']);
    const skip = await graphGet(harness, token, `/v1.0/groups/${group0}/members?$skiptoken=nonsense`);
    expect(skip.status).toBe(400);
  });

  it('gives only type and id of user members to an app without User.Read.All (limited information)', async () => {
    harness.sim.directory.setFaults({ missingPermissions: ['User.Read.All'] });
    try {
      const round = await readRound(
        harness,
        token,
        `/v1.0/groups/${group0}/members/microsoft.graph.user?$select=id,accountEnabled`,
      );
      expect(round.values[0]).toEqual({ '@odata.type': '#microsoft.graph.user', id: harness.sim.directory.user(0).id });
    } finally {
      harness.sim.directory.setFaults({ missingPermissions: [] });
    }
  });
});
