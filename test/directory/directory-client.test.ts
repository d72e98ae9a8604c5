/**
 * GraphDirectoryClient.usersDelta against the project's Graph simulator on a loopback port, through the real MSAL
 * token provider and undici dispatcher: a full round paged to its deltaLink, an incremental round from the stored
 * link (joiners, disabled, soft- and hard-deleted users), repeated entries and empty pages, and an expired link as
 * the typed failure that makes the caller start a full round. Group calls: directory-client-groups.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isDirectoryDeltaExpired,
  type DirectoryUser,
  type RemovedUser,
  type UsersDeltaPage,
} from '../../src/directory/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import {
  collect,
  directoryStack,
  directoryStatuses,
  failureOf,
  type DirectoryStack,
} from './support/directory-stack.js';

const USERS = 300;
const PAGE = 100;

let simulator: GraphSimulator;
let stack: DirectoryStack;

beforeAll(async () => {
  simulator = await startGraphSimulator({
    userCount: USERS + 20,
    autoChurn: false,
    directory: { initialUsers: USERS, pageSize: PAGE, guestShare: 0.1, disabledShare: 0.05 },
  });
});

afterEach(async () => {
  await stack.close();
  simulator.directory.setFaults({ duplicatePageShare: 0, emptyPageShare: 0, expiredDeltaLinkStatus: 400 });
});

afterAll(async () => {
  await simulator?.close();
});

async function freshStack(): Promise<DirectoryStack> {
  stack = directoryStack(simulator);
  await stack.tokens.getToken();
  simulator.resetRecording();
  return stack;
}

/** The users a sequence of pages leaves, applied in order as a caller would: later pages win. */
function apply(pages: UsersDeltaPage[], start = new Map<string, DirectoryUser>()): Map<string, DirectoryUser> {
  const users = new Map(start);
  for (const page of pages) {
    for (const user of page.upserted) users.set(user.id, user);
    for (const user of page.removed) users.delete(user.id);
  }
  return users;
}

function deltaLinkOf(pages: UsersDeltaPage[]): string {
  const link = pages.at(-1)?.deltaLink;
  if (link === null || link === undefined) throw new Error('the round ended without a deltaLink');
  return link;
}

describe('usersDelta: a full round', () => {
  it('pages through every user to the deltaLink, which only the last page carries', async () => {
    await freshStack();
    const pages = await collect(stack.client().usersDelta());
    // One page per request, at least three of 100 (a last one may be empty: it carries the deltaLink).
    expect(pages.length).toBeGreaterThanOrEqual(USERS / PAGE);
    expect(directoryStatuses(simulator)).toEqual(pages.map(() => 200));
    expect(pages.slice(0, -1).every((page) => page.deltaLink === null)).toBe(true);
    expect(deltaLinkOf(pages)).toMatch(/\/v1\.0\/users\/delta\?\$deltatoken=/);
    const users = apply(pages);
    expect([...users.keys()].sort()).toEqual(simulator.directory.userIds().sort());
    for (const user of users.values()) {
      const expected = simulator.directory.user(user.id);
      expect(user).toEqual({ id: expected.id, accountEnabled: expected.accountEnabled, userType: expected.userType });
    }
    // Guests and disabled accounts are reported as they are; deciding whom to watch is the caller's.
    expect([...users.values()].some((user) => user.userType === 'Guest')).toBe(true);
    expect([...users.values()].some((user) => user.accountEnabled === false)).toBe(true);
    expect(simulator.recording.directoryCounters().usersDelta).toMatchObject({ full: 1, incremental: 0, completed: 1 });
  });

  it('survives repeated entries across pages and empty pages with a nextLink, and still sees everyone', async () => {
    await freshStack();
    simulator.directory.setFaults({ duplicatePageShare: 1, emptyPageShare: 1 });
    const pages = await collect(stack.client().usersDelta());
    const empty = pages.filter((page) => page.upserted.length === 0 && page.removed.length === 0);
    // An empty page before the last one came with a nextLink, and the client kept paging.
    expect(empty.filter((page) => page !== pages.at(-1)).length).toBeGreaterThan(0);
    const served = pages.reduce((sum, page) => sum + page.upserted.length, 0);
    expect(served).toBeGreaterThan(USERS); // some users came twice
    expect([...apply(pages).keys()].sort()).toEqual(simulator.directory.userIds().sort());
    expect(deltaLinkOf(pages)).toContain('$deltatoken=');
  });
});

describe('usersDelta: an incremental round from a stored link', () => {
  it('returns only what changed: joiners, disabled accounts, and removals with Graph reasons', async () => {
    await freshStack();
    const client = stack.client();
    const full = await collect(client.usersDelta());
    const known = apply(full);
    const ids = simulator.directory.userIds();
    const [disabled, softDeleted, hardDeleted] = [ids[3] ?? '', ids[150] ?? '', ids[299] ?? ''];
    simulator.directory.disableUsers([disabled]);
    simulator.directory.deleteUsers([softDeleted]);
    simulator.directory.deleteUsers([hardDeleted], { permanently: true });
    const [joiner] = simulator.directory.addUsers(1);
    simulator.resetRecording();

    const pages = await collect(client.usersDelta({ deltaLink: deltaLinkOf(full) }));
    const upserted = pages.flatMap((page) => page.upserted);
    const removed: RemovedUser[] = pages.flatMap((page) => page.removed);
    expect(upserted.map((user) => user.id).sort()).toEqual([disabled, joiner].sort());
    expect(upserted.find((user) => user.id === disabled)?.accountEnabled).toBe(false);
    expect(upserted.find((user) => user.id === joiner)).toMatchObject({ accountEnabled: true, userType: 'Member' });
    expect(removed.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: softDeleted, reason: 'changed' },
        { id: hardDeleted, reason: 'deleted' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect([...apply(pages, known).keys()].sort()).toEqual(simulator.directory.userIds().sort());
    expect(simulator.recording.directoryCounters().usersDelta).toMatchObject({ full: 0, incremental: 1 });

    // The next link of an unchanged directory: a round with nothing in it, and a new link to store.
    const quiet = await collect(client.usersDelta({ deltaLink: deltaLinkOf(pages) }));
    expect(quiet.flatMap((page) => [...page.upserted, ...page.removed])).toEqual([]);
    expect(deltaLinkOf(quiet)).toContain('$deltatoken=');
  });
});

describe('usersDelta: an expired link', () => {
  it.each([
    [400, 'syncStateNotFound'],
    [410, 'resyncRequired'],
  ] as const)('answered %i fails with DirectoryDeltaExpiredError (%s) at once', async (status, reason) => {
    await freshStack();
    const client = stack.client();
    const link = deltaLinkOf(await collect(client.usersDelta()));
    simulator.directory.setFaults({ expiredDeltaLinkStatus: status });
    simulator.directory.expireDeltaLinks();
    simulator.resetRecording();

    const { error, pages } = await failureOf(client.usersDelta({ deltaLink: link }));
    expect(isDirectoryDeltaExpired(error)).toBe(true);
    expect(error).toMatchObject({ reason, retriable: false, details: { status } });
    expect(pages).toEqual([]);
    expect(directoryStatuses(simulator)).toEqual([status]); // not retried
    expect(stack.observed.retries).toEqual([]);

    // What the caller does next: a full round, which works.
    const again = await collect(client.usersDelta());
    expect(apply(again).size).toBe(simulator.directory.userIds().length);
  });

  it('refuses a stored link of another Graph host without sending the token there', async () => {
    await freshStack();
    const foreign = 'https://graph.microsoft.us/v1.0/users/delta?$deltatoken=abc';
    const { error } = await failureOf(stack.client().usersDelta({ deltaLink: foreign }));
    expect(error).toMatchObject({ reason: 'otherEndpoint' });
    expect(directoryStatuses(simulator)).toEqual([]);
  });
});
