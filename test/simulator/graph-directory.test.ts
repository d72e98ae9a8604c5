import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { matchDirectoryPath, parseDirectoryQuery, requestCost } from '../../src/simulator/graph-directory.js';
import {
  directoryBody,
  graphErrorBody,
  graphGet,
  http,
  idFilter,
  pathOf,
  postPresences,
  readRound,
  startHarness,
  tokenFor,
  type Harness,
} from './helpers.js';

const DAY_MS = 24 * 3600 * 1000;

describe('directory request pipeline (unit)', () => {
  it('matches the directory paths of v1.0 and beta, with or without the microsoft.graph prefix and casts', () => {
    expect(matchDirectoryPath('/v1.0/users/delta')).toEqual({
      route: 'users-delta',
      version: 'v1.0',
      groupId: null,
      cast: null,
    });
    expect(matchDirectoryPath('/beta/groups/microsoft.graph.delta')?.route).toBe('groups-delta');
    expect(matchDirectoryPath('/v1.0/groups/abc/transitivemembers/microsoft.graph.user')).toEqual({
      route: 'group-transitive-members',
      version: 'v1.0',
      groupId: 'abc',
      cast: 'user',
    });
    expect(matchDirectoryPath('/v1.0/groups/abc/members')?.cast).toBeNull();
    expect(matchDirectoryPath('/v2.0/users/delta')).toBeNull();
    expect(matchDirectoryPath('/v1.0/users')).toBeNull();
  });

  it('reads query parameters with or without $, in any case', () => {
    expect(parseDirectoryQuery('/v1.0/users/delta?$Select=id&$deltaToken=latest&top=5&other=1')).toEqual({
      select: 'id',
      filter: null,
      top: '5',
      skiptoken: null,
      deltatoken: 'latest',
    });
    expect(parseDirectoryQuery('/v1.0/groups/delta?$filter=id+eq+%27x%27').filter).toBe("id eq 'x'");
  });

  it('prices requests as Graph documents: members 3, transitiveMembers 5, others 1; $select and small $top -1', () => {
    const query = parseDirectoryQuery;
    expect(requestCost('group-members', query('?'))).toBe(3);
    expect(requestCost('group-members', query('?$select=id'))).toBe(2);
    expect(requestCost('group-transitive-members', query('?$select=id&$top=10'))).toBe(3);
    expect(requestCost('group-transitive-members', query('?$top=999'))).toBe(5);
    expect(requestCost('users-delta', query('?$select=id'))).toBe(1);
  });
});

describe('directory endpoints: authentication, permissions, budget', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness({ userCount: 100, directory: { groupCount: 2, budget: { resourceUnits: 10_000 } } });
    token = await tokenFor(harness);
  });
  afterAll(() => harness.close());

  it('answers 401 InvalidAuthenticationToken without a valid token, on every directory route', async () => {
    const group = harness.sim.directory.groupIdAt(0);
    for (const path of [
      '/v1.0/users/delta',
      '/beta/groups/delta',
      `/v1.0/groups/${group}/members`,
      `/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user`,
    ]) {
      for (const bearer of [null, 'garbage']) {
        const result = await graphGet(harness, bearer, path);
        expect(result.status).toBe(401);
        expect(graphErrorBody(result).error.code).toBe('InvalidAuthenticationToken');
        expect(result.headers['www-authenticate']).toMatch(/^Bearer /);
      }
    }
    const post = await http(harness, 'POST', '/v1.0/users/delta', { headers: { authorization: `Bearer ${token}` } });
    expect(post.status).toBe(405);
  });

  it("answers 403 Authorization_RequestDenied in Graph's shape when the app lacks the route's permission", async () => {
    const group = harness.sim.directory.groupIdAt(0);
    try {
      harness.sim.directory.setFaults({ missingPermissions: ['User.Read.All'] });
      const users = await graphGet(harness, token, '/v1.0/users/delta', { 'client-request-id': 'dir-1' });
      expect(users.status).toBe(403);
      expect(graphErrorBody(users).error).toEqual({
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
        innerError: {
          date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) as unknown,
          'request-id': users.headers['request-id'],
          'client-request-id': 'dir-1',
        },
      });
      // Group membership needs GroupMember.Read.All only.
      expect((await graphGet(harness, token, `/v1.0/groups/delta?$filter=${idFilter(group)}`)).status).toBe(200);
      harness.sim.directory.setFaults({ missingPermissions: ['GroupMember.Read.All'] });
      expect((await graphGet(harness, token, '/v1.0/users/delta?$deltatoken=latest')).status).toBe(200);
      for (const path of [
        '/v1.0/groups/delta',
        `/v1.0/groups/${group}/members`,
        `/v1.0/groups/${group}/transitiveMembers`,
      ]) {
        const result = await graphGet(harness, token, path);
        expect([result.status, graphErrorBody(result).error.code]).toEqual([403, 'Authorization_RequestDenied']);
      }
      expect(harness.sim.recording.directoryCounters().forbidden).toBe(4);
    } finally {
      harness.sim.directory.setFaults({ missingPermissions: [] });
    }
  });

  it('sends the cost of each admitted request in x-ms-resource-unit', async () => {
    const group = harness.sim.directory.groupIdAt(0);
    const cost = async (path: string): Promise<string | undefined> =>
      (await graphGet(harness, token, path)).headers['x-ms-resource-unit'];
    expect(await cost('/v1.0/users/delta?$select=id')).toBe('1');
    expect(await cost(`/v1.0/groups/${group}/members`)).toBe('3');
    expect(await cost(`/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user?$select=id`)).toBe('4');
  });
});

describe('directory budget', () => {
  it('answers 429 with Retry-After on its own budget, leaving the presence budget alone, and the reverse', async () => {
    const harness = await startHarness({
      userCount: 100,
      budget: { requests: 2, windowSeconds: 60 },
      directory: { groupCount: 1, budget: { resourceUnits: 3, windowSeconds: 10 } },
    });
    try {
      const token = await tokenFor(harness);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await graphGet(harness, token, '/v1.0/users/delta?$select=id')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const throttled = harness.sim.recording.requests().at(-1);
      expect(throttled?.route).toBe('users-delta');
      const retryAfter = Number(throttled?.retryAfter);
      // One unit refills in 10 s / 3 units: whole seconds, rounded up.
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 4).toBe(true);
      const again = await graphGet(harness, token, '/v1.0/users/delta?$select=id');
      expect(again.status).toBe(429);
      expect(graphErrorBody(again).error.code).toBe('TooManyRequests');
      expect(again.headers['x-ms-throttle-information']).toBe('ResourceUnitLimitExceeded');
      expect(again.headers['x-ms-throttle-scope']).toBe(
        `Tenant_Application/Read/${harness.sim.clientId}/${harness.sim.tenantId}`,
      );
      // Presence has its own budget: still two requests free.
      const ids = { ids: [harness.sim.userIdAt(0)] };
      expect((await postPresences(harness, token, ids)).status).toBe(200);
      expect((await postPresences(harness, token, ids)).status).toBe(200);
      expect((await postPresences(harness, token, ids)).status).toBe(429);
      expect(harness.sim.recording.counters().throttled).toBe(1);
      expect(harness.sim.recording.directoryCounters().throttled).toBe(2);
      // Without Retry-After when the fault says so; a client must then back off by itself.
      harness.sim.directory.setFaults({ throttleRetryAfter: 'absent' });
      const bare = await graphGet(harness, token, '/v1.0/users/delta?$select=id');
      expect([bare.status, bare.headers['retry-after']]).toEqual([429, undefined]);
    } finally {
      await harness.close();
    }
  });

  it('admits a throttled client again once the bucket refilled (throttled requests take no units)', async () => {
    const harness = await startHarness({
      userCount: 10,
      directory: { groupCount: 0, budget: { resourceUnits: 2, windowSeconds: 0.4, retryAfterFormat: 'decimal' } },
    });
    try {
      const token = await tokenFor(harness);
      for (let i = 0; i < 2; i++)
        expect((await graphGet(harness, token, '/v1.0/users/delta?$select=id')).status).toBe(200);
      const throttled = await graphGet(harness, token, '/v1.0/users/delta?$select=id');
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toMatch(/^0\.\d{3}$/);
      await new Promise((resolve) => setTimeout(resolve, Number(throttled.headers['retry-after']) * 1000 + 20));
      expect((await graphGet(harness, token, '/v1.0/users/delta?$select=id')).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});

describe('expired delta links', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness({ userCount: 50, directory: { groupCount: 2, pageSize: 20 } });
    token = await tokenFor(harness);
  });
  afterAll(() => harness.close());

  it('answers a delta link older than seven days with 400 syncStateNotFound', async () => {
    const { deltaLink } = await readRound(harness, token, '/v1.0/users/delta?$select=id');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 7 * DAY_MS - 60_000);
      // Access tokens live an hour: take one in the faked present.
      const fresh = await tokenFor(harness);
      expect((await graphGet(harness, fresh, pathOf(harness, deltaLink ?? ''))).status).toBe(200);
      vi.setSystemTime(Date.now() + 120_000);
      const expired = await graphGet(harness, await tokenFor(harness), pathOf(harness, deltaLink ?? ''));
      expect(expired.status).toBe(400);
      expect(graphErrorBody(expired).error).toMatchObject({
        code: 'syncStateNotFound',
        message:
          'The sync state generation is not found. The delta token is expired and data must be synchronized again.',
      });
    } finally {
      vi.useRealTimers();
    }
    expect(harness.sim.recording.directoryCounters().expiredDeltaLinks).toBeGreaterThanOrEqual(1);
  });

  it('expires every link issued so far on demand, delta links and skip tokens, for users and groups', async () => {
    const users = await readRound(harness, token, '/v1.0/users/delta?$select=id');
    const firstPage = directoryBody(await graphGet(harness, token, '/v1.0/users/delta?$select=id'));
    const groups = await readRound(harness, token, `/v1.0/groups/delta?$select=members`);
    harness.sim.directory.expireDeltaLinks();
    for (const link of [users.deltaLink, firstPage['@odata.nextLink'], groups.deltaLink]) {
      const result = await graphGet(harness, token, pathOf(harness, link ?? ''));
      expect([result.status, graphErrorBody(result).error.code]).toEqual([400, 'syncStateNotFound']);
    }
    // A new full round works and hands out working links.
    const again = await readRound(harness, token, '/v1.0/users/delta?$select=id');
    expect((await graphGet(harness, token, pathOf(harness, again.deltaLink ?? ''))).status).toBe(200);
  });

  it('answers 410 resyncRequired with a Location that starts the round over, when configured', async () => {
    const group = harness.sim.directory.groupIdAt(1);
    const { deltaLink } = await readRound(
      harness,
      token,
      `/v1.0/groups/delta?$filter=${idFilter(group)}&$select=members`,
    );
    harness.sim.directory.setFaults({ expiredDeltaLinkStatus: 410 });
    harness.sim.directory.expireDeltaLinks();
    try {
      const gone = await graphGet(harness, token, pathOf(harness, deltaLink ?? ''));
      expect([gone.status, graphErrorBody(gone).error.code]).toEqual([410, 'resyncRequired']);
      const location = gone.headers['location'] ?? '';
      expect(location).toMatch(/\/v1\.0\/groups\/delta\?\$select=members&\$filter=.+&\$deltatoken=$/);
      const restarted = await readRound(harness, token, pathOf(harness, location));
      expect(restarted.values.map((value) => value['id'])).toEqual([group]);
      expect(harness.sim.recording.requests().at(-1)?.directory?.round).toBe('full');
    } finally {
      harness.sim.directory.setFaults({ expiredDeltaLinkStatus: 400 });
    }
  });
});
