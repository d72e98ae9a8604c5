import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  directoryBody,
  graphGet,
  graphErrorBody,
  pathOf,
  readRound,
  startHarness,
  tokenFor,
  type Harness,
} from './helpers.js';

const SELECT = '$select=id,displayName,accountEnabled,userType';

describe('GET /{v1.0|beta}/users/delta', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    // 250 users of 300 exist; 50 are the reserve for new users. Pages of 40: a full round takes 7 pages.
    harness = await startHarness({
      userCount: 300,
      directory: { initialUsers: 250, pageSize: 40, guestShare: 0.2, disabledShare: 0.1, groupCount: 3 },
    });
    token = await tokenFor(harness);
  });
  afterAll(() => harness.close());

  it('pages through every existing user once, with nextLinks, to a page with a deltaLink and no nextLink', async () => {
    for (const version of ['v1.0', 'beta'] as const) {
      const round = await readRound(harness, token, `/${version}/users/delta?${SELECT}`);
      expect(round.pages.map((page) => page.value.length)).toEqual([40, 40, 40, 40, 40, 40, 10]);
      for (const page of round.pages.slice(0, -1)) {
        expect(page['@odata.nextLink']).toMatch(
          new RegExp(`^${harness.sim.graphUrl}/${version}/users/delta\\?\\$skiptoken=`),
        );
        expect(page['@odata.deltaLink']).toBeUndefined();
      }
      expect(round.deltaLink).toMatch(new RegExp(`^${harness.sim.graphUrl}/${version}/users/delta\\?\\$deltatoken=`));
      expect(round.pages.at(-1)?.['@odata.nextLink']).toBeUndefined();
      expect(round.pages[0]?.['@odata.context']).toBe(
        `${harness.sim.graphUrl}/${version}/$metadata#users(id,displayName,accountEnabled,userType)`,
      );
      const ids = round.values.map((user) => user['id']);
      expect(new Set(ids).size).toBe(250);
      expect(ids.sort()).toEqual(harness.sim.directory.userIds().sort());
      const sample = round.values.find((user) => user['id'] === harness.sim.directory.user(7).id);
      const expected = harness.sim.directory.user(7);
      expect(sample).toEqual({
        id: expected.id,
        displayName: expected.displayName,
        accountEnabled: expected.accountEnabled,
        userType: expected.userType,
      });
      expect(round.values.some((user) => user['userType'] === 'Guest')).toBe(true);
      expect(round.values.some((user) => user['accountEnabled'] === false)).toBe(true);
    }
  });

  it('serves only the changes since the delta link, removed users with their reason, then nothing', async () => {
    const { deltaLink } = await readRound(harness, token, `/v1.0/users/delta?${SELECT}`);
    const directory = harness.sim.directory;
    directory.disableUsers([10]);
    directory.deleteUsers([11]);
    directory.deleteUsers([12], { permanently: true });
    const [created] = directory.addUsers(1, { userType: 'Guest' });
    directory.renameUser(13, 'Renamed Person');
    const round = await readRound(harness, token, pathOf(harness, deltaLink ?? ''));
    const byId = new Map(round.values.map((user) => [user['id'], user]));
    expect(byId.size).toBe(5);
    expect(byId.get(directory.user(10).id)).toMatchObject({ accountEnabled: false });
    expect(byId.get(directory.user(11).id)).toEqual({ id: directory.user(11).id, '@removed': { reason: 'changed' } });
    expect(byId.get(directory.user(12).id)).toEqual({ id: directory.user(12).id, '@removed': { reason: 'deleted' } });
    expect(byId.get(created)).toMatchObject({ userType: 'Guest', accountEnabled: true });
    expect(byId.get(directory.user(13).id)).toMatchObject({ displayName: 'Renamed Person' });
    // The link it ended with has nothing new; the old link still replays the same changes (it is not consumed).
    const quiet = await readRound(harness, token, pathOf(harness, round.deltaLink ?? ''));
    expect(quiet.values).toEqual([]);
    expect(quiet.pages).toHaveLength(1);
    expect((await readRound(harness, token, pathOf(harness, deltaLink ?? ''))).values).toHaveLength(5);
    // A full round no longer lists the deleted users.
    const full = await readRound(harness, token, `/v1.0/users/delta?${SELECT}`);
    const fullIds = new Set(full.values.map((user) => user['id']));
    expect([fullIds.has(directory.user(11).id), fullIds.has(directory.user(12).id), fullIds.has(created)]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('leaves out users whose only change is a property the round did not select', async () => {
    const { deltaLink } = await readRound(harness, token, '/v1.0/users/delta?$select=id,accountEnabled');
    harness.sim.directory.renameUser(20, 'Quietly Renamed');
    harness.sim.directory.disableUsers([21]);
    const round = await readRound(harness, token, pathOf(harness, deltaLink ?? ''));
    expect(round.values).toEqual([{ id: harness.sim.directory.user(21).id, accountEnabled: false }]);
  });

  it('answers $deltatoken=latest with a deltaLink and no users, from which only later changes come', async () => {
    const latest = directoryBody(await graphGet(harness, token, `/v1.0/users/delta?${SELECT}&$deltatoken=latest`));
    expect(latest.value).toEqual([]);
    expect(latest['@odata.nextLink']).toBeUndefined();
    harness.sim.directory.enableUsers([10]);
    const round = await readRound(harness, token, pathOf(harness, latest['@odata.deltaLink'] ?? ''));
    expect(round.values).toEqual([
      expect.objectContaining({ id: harness.sim.directory.user(10).id, accountEnabled: true }),
    ]);
  });

  it('treats an empty $deltatoken (what a 410 Location asks for) as the initial request', async () => {
    const round = await readRound(harness, token, `/v1.0/users/delta?${SELECT}&$deltatoken=`);
    expect(round.values.length).toBe(harness.sim.directory.userIds().length);
  });

  it('serves a change made during a round again in the next one, so none is lost', async () => {
    const first = directoryBody(await graphGet(harness, token, `/v1.0/users/delta?${SELECT}`));
    // User 0 was on the first page already; its change must come with the next round.
    harness.sim.directory.disableUsers([0]);
    const rest = await readRound(harness, token, pathOf(harness, first['@odata.nextLink'] ?? ''));
    const next = await readRound(harness, token, pathOf(harness, rest.deltaLink ?? ''));
    expect(next.values).toEqual([
      expect.objectContaining({ id: harness.sim.directory.user(0).id, accountEnabled: false }),
    ]);
  });

  it('answers an unknown $select property and an edited token with 400', async () => {
    const unknown = await graphGet(harness, token, '/v1.0/users/delta?$select=id,skills');
    expect([unknown.status, graphErrorBody(unknown).error.code]).toEqual([400, 'BadRequest']);
    const edited = await graphGet(
      harness,
      token,
      '/v1.0/users/delta?$skiptoken=eyJraW5kIjoidXNlcnMifQ.AAAAAAAAAAAAAAAA',
    );
    expect([edited.status, graphErrorBody(edited).error.code]).toEqual([400, 'BadRequest']);
    const groupsToken = directoryBody(await graphGet(harness, token, '/v1.0/groups/delta?$deltatoken=latest'));
    const crossed = (groupsToken['@odata.deltaLink'] ?? '').replace('/groups/delta', '/users/delta');
    expect((await graphGet(harness, token, pathOf(harness, crossed))).status).toBe(400);
  });
});

describe('users/delta paging faults', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness({ userCount: 200, directory: { pageSize: 20, groupCount: 0 } });
    token = await tokenFor(harness);
  });
  afterAll(() => harness.close());

  it('serves empty pages with a nextLink, and repeats entries across pages, without losing any user', async () => {
    harness.sim.directory.setFaults({ emptyPageShare: 0.5, duplicatePageShare: 0.5 });
    const round = await readRound(harness, token, '/v1.0/users/delta?$select=id');
    harness.sim.directory.setFaults({ emptyPageShare: 0, duplicatePageShare: 0 });
    const emptyWithNext = round.pages.filter(
      (page) => page.value.length === 0 && page['@odata.nextLink'] !== undefined,
    );
    expect(emptyWithNext.length).toBeGreaterThan(0);
    const ids = round.values.map((user) => user['id']);
    expect(ids.length).toBeGreaterThan(200);
    expect(new Set(ids).size).toBe(200);
    const faults = harness.sim.recording.requests().map((request) => request.fault);
    expect(faults).toContain('emptyPage');
    expect(faults).toContain('duplicates');
  });
});

describe('users/delta at a million users', () => {
  it('starts, and answers a first page, latest, and a transitive listing of the root group', async () => {
    const started = performance.now();
    const harness = await startHarness({ userCount: 1_000_000, seed: 11, directory: { groupCount: 50 } });
    const startMs = performance.now() - started;
    try {
      const token = await tokenFor(harness);
      const first = directoryBody(await graphGet(harness, token, `/v1.0/users/delta?${SELECT}`));
      expect(first.value).toHaveLength(100);
      const latest = directoryBody(await graphGet(harness, token, '/v1.0/users/delta?$deltatoken=latest'));
      harness.sim.directory.disableUsers([999_999]);
      const incrementalStarted = performance.now();
      const changes = await readRound(harness, token, pathOf(harness, latest['@odata.deltaLink'] ?? ''));
      const incrementalMs = performance.now() - incrementalStarted;
      expect(changes.values.map((user) => user['id'])).toEqual([harness.sim.userIdAt(999_999)]);
      const group = harness.sim.directory.groupIdAt(0);
      const listing = directoryBody(
        await graphGet(
          harness,
          token,
          `/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user?$select=id&$top=999`,
        ),
      );
      expect(listing.value).toHaveLength(999);
      console.info(
        `1M users: simulator started in ${startMs.toFixed(0)} ms (presence and directory), ` +
          `an incremental users/delta round of 1 change over 1M users in ${incrementalMs.toFixed(0)} ms, ` +
          `directory ${(harness.sim.directory.byteSize() / 1_000_000).toFixed(2)} B/user counted`,
      );
    } finally {
      await harness.close();
    }
  });
});
