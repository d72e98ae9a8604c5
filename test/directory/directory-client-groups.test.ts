/**
 * GraphDirectoryClient's group calls against the project's Graph simulator, through the real MSAL and undici
 * code: the users among a group's transitive members (nested groups and a cycle, three pages of 999), and group
 * membership delta (direct members, nested groups as members of kind group, changes from a stored link). A group
 * that does not exist, and an app without the permission, fail with errors that say so.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import {
  isDirectoryDeltaExpired,
  isDirectoryGroupNotFound,
  type GroupMembersDeltaPage,
  type MemberRef,
} from '../../src/directory/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import {
  collect,
  directoryStack,
  directoryStatuses,
  failureOf,
  type DirectoryStack,
} from './support/directory-stack.js';

const NO_SUCH_GROUP = '0b9c6e1e-0000-4000-8000-00000000abcd';
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

let simulator: GraphSimulator;
let stack: DirectoryStack;

beforeAll(async () => {
  simulator = await startGraphSimulator({
    userCount: 2300,
    autoChurn: false,
    directory: {
      // 0 holds 1 holds 2 holds 0 (a cycle); 0 and 1 share 200 users; 3 is empty.
      groupLayout: [
        { users: range(0, 1200), groups: [1] },
        { users: range(1000, 2200), groups: [2] },
        { users: [2200, 2201], groups: [0] },
        {},
      ],
      disabledShare: 0.05,
    },
  });
});

afterEach(async () => {
  await stack.close();
  simulator.directory.setFaults({ missingPermissions: [] });
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

function group(index: number): string {
  return simulator.directory.groupIdAt(index);
}

function key(ref: MemberRef): string {
  return `${ref.kind}:${ref.id}`;
}

function members(pages: GroupMembersDeltaPage[], side: 'added' | 'removed'): string[] {
  return pages.flatMap((page) => page[side].map(key)).sort();
}

function directMembers(index: number): string[] {
  const { users, groups } = simulator.directory.directMembers(group(index));
  return [...users.map((id) => `user:${id}`), ...groups.map((id) => `group:${id}`)].sort();
}

describe('listGroupUsers', () => {
  it('lists every user reachable through nested groups once, 999 a page, with their account state', async () => {
    await freshStack();
    const pages = await collect(stack.client().listGroupUsers(group(0).toUpperCase()));
    expect(pages.map((page) => page.length)).toEqual([999, 999, 204]);
    const ids = pages.flat().map((user) => user.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(simulator.directory.transitiveUserIds(group(0)).sort());
    for (const user of pages.flat().slice(0, 50)) {
      const expected = simulator.directory.user(user.id);
      expect(user).toEqual({ id: expected.id, accountEnabled: expected.accountEnabled, userType: expected.userType });
    }
    expect(directoryStatuses(simulator)).toEqual([200, 200, 200]);
  });

  it('gives ids without account state to an app without User.Read.All, rather than failing', async () => {
    await freshStack();
    simulator.directory.setFaults({ missingPermissions: ['User.Read.All'] });
    const users = (await collect(stack.client().listGroupUsers(group(2)))).flat();
    expect(users.map((user) => user.id).sort()).toEqual(simulator.directory.transitiveUserIds(group(2)).sort());
    expect(users.every((user) => user.accountEnabled === null && user.userType === null)).toBe(true);
  });

  it('names GroupMember.Read.All and admin consent on 403, after one request', async () => {
    await freshStack();
    simulator.directory.setFaults({ missingPermissions: ['GroupMember.Read.All'] });
    const { error } = await failureOf(stack.client().listGroupUsers(group(0)));
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_FORBIDDEN, retriable: false, details: { status: 403 } });
    expect((error as Error).message).toMatch(/GroupMember\.Read\.All application permission with admin consent/);
    expect(directoryStatuses(simulator)).toEqual([403]);
    expect(stack.observed.retries).toEqual([]);
  });

  it('names the group id when the group does not exist, without retrying', async () => {
    await freshStack();
    const { error } = await failureOf(stack.client().listGroupUsers(NO_SUCH_GROUP));
    expect(isDirectoryGroupNotFound(error)).toBe(true);
    expect(error).toMatchObject({ groupId: NO_SUCH_GROUP, retriable: false, details: { status: 404 } });
    expect((error as Error).message).toContain(NO_SUCH_GROUP);
    expect(directoryStatuses(simulator)).toEqual([404]);
  });

  it('refuses an id that is no GUID before sending anything', async () => {
    await freshStack();
    await expect(collect(stack.client().listGroupUsers('Engineering'))).rejects.toThrow(RangeError);
    expect(directoryStatuses(simulator)).toEqual([]);
  });
});

describe('groupMembersDelta', () => {
  it('reads the direct members in a full round, nested groups as members of kind group, then the changes', async () => {
    await freshStack();
    const client = stack.client();
    const full = await collect(client.groupMembersDelta({ groupId: group(0) }));
    expect(full.length).toBeGreaterThan(1); // 1,201 members at 500 a page
    expect(members(full, 'added')).toEqual(directMembers(0));
    expect(members(full, 'added')).toContain(`group:${group(1)}`);
    expect(members(full, 'removed')).toEqual([]);
    const link = full.at(-1)?.deltaLink ?? '';
    expect(full.slice(0, -1).every((page) => page.deltaLink === null)).toBe(true);

    const joiner = simulator.userIdAt(2250);
    const leaver = simulator.userIdAt(7);
    const deleted = simulator.userIdAt(8);
    simulator.directory.addMembers(group(0), [joiner, group(3)]);
    simulator.directory.removeMembers(group(0), [leaver]);
    simulator.directory.deleteUsers([deleted]); // leaves every group it was in
    const changes = await collect(client.groupMembersDelta({ groupId: group(0), deltaLink: link }));
    expect(members(changes, 'added')).toEqual([`group:${group(3)}`, `user:${joiner}`].sort());
    expect(members(changes, 'removed')).toEqual([`user:${deleted}`, `user:${leaver}`].sort());
    expect(changes.every((page) => !page.groupRemoved)).toBe(true);
    expect(changes.at(-1)?.deltaLink).toContain('$deltatoken=');
    expect(simulator.recording.directoryCounters().groupsDelta).toMatchObject({ full: 1, incremental: 1 });
  });

  it('reports a group without members as an empty full round, not as missing', async () => {
    await freshStack();
    const pages = await collect(stack.client().groupMembersDelta({ groupId: group(3) }));
    expect(pages.flatMap((page) => [...page.added, ...page.removed])).toEqual([]);
    expect(pages.at(-1)?.deltaLink).toContain('$deltatoken=');
  });

  it('fails a full round of a group that does not exist, before handing over a link to store', async () => {
    await freshStack();
    const { error, pages } = await failureOf(stack.client().groupMembersDelta({ groupId: NO_SUCH_GROUP }));
    expect(isDirectoryGroupNotFound(error)).toBe(true);
    expect(error).toMatchObject({ groupId: NO_SUCH_GROUP });
    expect(pages.some((page) => page.deltaLink !== null)).toBe(false);
  });

  it('fails with DirectoryDeltaExpiredError when the stored link expired', async () => {
    await freshStack();
    const client = stack.client();
    const link = (await collect(client.groupMembersDelta({ groupId: group(2) }))).at(-1)?.deltaLink ?? '';
    simulator.directory.expireDeltaLinks();
    const { error } = await failureOf(client.groupMembersDelta({ groupId: group(2), deltaLink: link }));
    expect(isDirectoryDeltaExpired(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'syncStateNotFound' });
  });

  it('names GroupMember.Read.All on 403', async () => {
    await freshStack();
    simulator.directory.setFaults({ missingPermissions: ['GroupMember.Read.All'] });
    const { error } = await failureOf(stack.client().groupMembersDelta({ groupId: group(1) }));
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_FORBIDDEN });
    expect((error as Error).message).toContain('GroupMember.Read.All');
  });
});
