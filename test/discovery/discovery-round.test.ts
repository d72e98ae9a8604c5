import { describe, expect, it } from 'vitest';
import type { DiscoverySource } from '../../src/config/index.js';
import { DirectoryDeltaExpiredError, DirectoryGroupNotFoundError } from '../../src/directory/index.js';
import { runDiscoveryRound, USERS_DELTA_LINK_KEY, type MembershipChange } from '../../src/discovery/index.js';
import { sourceBits } from '../../src/discovery/directory-entry.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import {
  discovery,
  GROUP_A,
  GROUP_B,
  group,
  guest,
  guid,
  keysOf,
  member,
  page,
  RecordingWrite,
  ScriptedReader,
  tenant,
  valueOf,
  type Discovery,
} from './support.js';

const [u1, u2, u3, u4, u5] = [1, 2, 3, 4, 5].map(guid) as [string, string, string, string, string];

interface Harness extends Discovery {
  reader: ScriptedReader;
  writes: RecordingWrite;
  changes: MembershipChange[];
  round(
    deltaLink?: string,
    options?: { chunkSize?: number; signal?: AbortSignal },
  ): ReturnType<typeof runDiscoveryRound>;
}

function harness(sources: DiscoverySource[]): Harness {
  const setup = discovery(sources);
  const reader = new ScriptedReader();
  const writes = new RecordingWrite();
  const changes: MembershipChange[] = [];
  setup.directory.onChange((change) => changes.push(change));
  const round: Harness['round'] = (deltaLink, options = {}) =>
    runDiscoveryRound(
      { ...setup, reader, write: writes.write, chunkSize: options.chunkSize ?? 100, signal: options.signal },
      deltaLink,
    );
  return { ...setup, reader, writes, changes, round };
}

/** Which sources have the user, as the watched directory knows it (0: forgotten). */
function sourcesOf(h: Harness, userId: string): number {
  return sourceBits(h.directory.entry(userId) ?? 0);
}

/** The value of the last record written for a key. */
function lastValue(h: Harness, key: string): unknown {
  const record = h.writes.records.filter((written) => written.key === key).at(-1);
  return record === undefined ? undefined : valueOf(record);
}

/** A tenant harness after a full round that found `users` (link `link-1`); writes and changes cleared. */
async function afterFullRound(users: ReturnType<typeof member>[]): Promise<Harness> {
  const h = harness([tenant()]);
  h.reader.tenant = () => [page(users, [], 'link-1')];
  await h.round(undefined);
  h.writes.batches.length = 0;
  h.changes.length = 0;
  h.reader.deltaCalls.length = 0;
  return h;
}

describe('runDiscoveryRound: the tenant', () => {
  it('reads everything on a first round and writes every user it keeps, the delta link last', async () => {
    const h = harness([tenant()]);
    h.reader.tenant = () => [
      page([member(u1), guest(u2)]),
      page([], [], null),
      page([member(u3, false), member(u4)], [], 'link-1'),
    ];
    const report = await h.round(undefined);

    expect(h.reader.deltaCalls).toEqual([undefined]);
    expect(report).toMatchObject({ tenantRound: 'full', deltaLink: 'link-1', changed: 4, entriesRead: 4 });
    expect(report.expiredReason).toBeUndefined();
    const records = h.writes.records;
    expect(keysOf(records)).toEqual([u1, u2, u3, u4, USERS_DELTA_LINK_KEY]);
    expect(lastValue(h, USERS_DELTA_LINK_KEY)).toBe('link-1');
    expect([u1, u2, u3, u4].map((id) => h.directory.isWatched(id))).toEqual([true, false, false, true]);
    expect(h.directory.size).toBe(4); // the guest and the disabled account are remembered, not watched
  });

  it('applies an incremental round: joins, attribute changes and removals, nothing else rewritten', async () => {
    const h = await afterFullRound([member(u1), member(u2), member(u3), member(u4)]);
    h.reader.tenant = (link) => (link === 'link-1' ? [page([member(u5), member(u1, false)], [u4], 'link-2')] : []);
    const report = await h.round('link-1');

    expect(h.reader.deltaCalls).toEqual(['link-1']);
    expect(report).toMatchObject({ tenantRound: 'incremental', deltaLink: 'link-2', changed: 3 });
    expect(keysOf(h.writes.records)).toEqual([u5, u1, u4, USERS_DELTA_LINK_KEY]);
    expect(lastValue(h, u4)).toBeNull();
    expect(h.directory.isWatched(u5)).toBe(true);
    expect(h.directory.isWatched(u1)).toBe(false);
    expect(h.directory.entry(u1)).toBeDefined();
    expect(h.directory.entry(u4)).toBeUndefined();
    expect(h.directory.isWatched(u2) && h.directory.isWatched(u3)).toBe(true);
  });

  it('on an expired link runs one full round and removes whoever it no longer returns', async () => {
    const h = await afterFullRound([member(u1), member(u2), member(u3)]);
    h.reader.tenant = (link) => {
      if (link !== undefined) throw new DirectoryDeltaExpiredError('syncStateNotFound', 'expired', {});
      return [page([member(u1)]), page([member(u3)], [], 'link-9')];
    };
    const report = await h.round('link-1');

    expect(h.reader.deltaCalls).toEqual(['link-1', undefined]);
    expect(report).toMatchObject({ tenantRound: 'full', expiredReason: 'syncStateNotFound', deltaLink: 'link-9' });
    expect(h.writes.records.map((record) => [record.key, valueOf(record)])).toEqual([
      [u2, null],
      [USERS_DELTA_LINK_KEY, 'link-9'],
    ]);
    expect(h.directory.entry(u2)).toBeUndefined();
    expect(h.changes).toEqual([{ shard: h.directory.shardOf(u2), userId: u2, joined: false }]);
  });

  it('falls back to a full round when Graph answers 410 on a later page of an incremental round', async () => {
    const h = await afterFullRound([member(u1), member(u2), member(u3)]);
    let pagesServed = 0;
    h.reader.tenant = (link) => (link === undefined ? [page([member(u1)]), page([member(u3)], [], 'link-9')] : []);
    h.reader.beforePage = async () => {
      pagesServed++;
    };
    const incremental = h.reader.tenant;
    h.reader.tenant = (link) => {
      if (link === undefined) return incremental(link);
      // The first page of the incremental round is served; the next one answers 410.
      return [
        page([guest(u1)]),
        {
          ...page([]),
          get upserted(): never {
            throw new DirectoryDeltaExpiredError('resyncRequired', 'gone', {});
          },
        },
      ];
    };
    const report = await h.round('link-1');

    expect(h.reader.deltaCalls).toEqual(['link-1', undefined]);
    expect(report).toMatchObject({ tenantRound: 'full', expiredReason: 'resyncRequired', deltaLink: 'link-9' });
    expect(h.directory.entry(u2)).toBeUndefined();
    expect(h.directory.isWatched(u1) && h.directory.isWatched(u3)).toBe(true);
    expect(pagesServed).toBeGreaterThanOrEqual(3);
  });

  it('fails a first round that Graph refuses, even with the expiry code: there is no older link to drop', async () => {
    const h = harness([tenant()]);
    h.reader.tenant = () => {
      throw new DirectoryDeltaExpiredError('resyncRequired', 'reset', {});
    };
    await expect(h.round(undefined)).rejects.toBeInstanceOf(DirectoryDeltaExpiredError);
    expect(h.reader.deltaCalls).toEqual([undefined]);
    expect(h.writes.batches).toEqual([]);
  });

  it('lets the later of two entries of a user win across pages', async () => {
    const h = harness([tenant()]);
    h.reader.tenant = () => [
      page([member(u1), member(u2)]),
      page([member(u1, false)], [u2]),
      page([member(u2)], [], 'link-1'),
    ];
    await h.round(undefined);
    expect(h.directory.isWatched(u1)).toBe(false);
    expect(h.directory.entry(u1)).toBeDefined();
    expect(h.directory.isWatched(u2)).toBe(true);
    // Pending changes count once: one record per user in the write.
    expect(keysOf(h.writes.records)).toEqual([u1, u2, USERS_DELTA_LINK_KEY]);
  });

  it('writes in chunks and keeps the delta link in the last write, after the changes it covers', async () => {
    const h = harness([tenant()]);
    const users = [1, 2, 3, 4, 5, 6, 7].map((n) => member(guid(n)));
    h.reader.tenant = () => [page(users.slice(0, 4)), page(users.slice(4), [], 'link-1')];
    await h.round(undefined, { chunkSize: 3 });

    const sizes = h.writes.batches.map((batch) => batch.length);
    expect(sizes.every((size) => size <= 3)).toBe(true);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(8);
    const last = h.writes.batches.at(-1) ?? [];
    expect(last.at(-1)?.key).toBe(USERS_DELTA_LINK_KEY);
    expect(
      h.writes.batches
        .slice(0, -1)
        .flat()
        .map((record) => record.key),
    ).not.toContain(USERS_DELTA_LINK_KEY);
    expect(h.directory.watchedCount).toBe(7);
  });
});

describe('runDiscoveryRound: a failed write', () => {
  it('applies only the chunks Kafka acknowledged', async () => {
    const h = harness([tenant()]);
    const users = [1, 2, 3, 4, 5].map((n) => member(guid(n)));
    h.reader.tenant = () => [page(users, [], 'link-1')];
    const failure = new ConnectorError(ErrorCodes.KAFKA_REQUEST_FAILED, 'broker down', { retriable: true });
    h.writes.failAt = (index) => (index === 1 ? failure : undefined);

    await expect(h.round(undefined, { chunkSize: 2 })).rejects.toBe(failure);
    expect(keysOf(h.writes.batches[0] ?? [])).toEqual([guid(1), guid(2)]);
    expect([...h.directory.userIds()]).toEqual([guid(1), guid(2)]);
    expect(h.changes.map((change) => change.userId)).toEqual([guid(1), guid(2)]);
  });

  it('leaves a removal unapplied when its write fails', async () => {
    const h = await afterFullRound([member(u1), member(u2)]);
    h.reader.tenant = () => [page([], [u1], 'link-2')];
    h.writes.failAt = () => new Error('not acknowledged');
    await expect(h.round('link-1')).rejects.toThrow('not acknowledged');
    expect(h.directory.isWatched(u1)).toBe(true);
    expect(h.changes).toEqual([]);
  });

  it('writes nothing more once the round is aborted, even when the reader does not notice', async () => {
    const h = harness([tenant()]);
    const abort = new AbortController();
    h.reader.tenant = () => [page([member(u1)]), page([member(u2)], [], 'link-1')];
    h.reader.beforePage = async () => {
      if (h.reader.deltaCalls.length > 0) abort.abort(); // the round loses its leadership mid-way
    };
    await expect(h.round(undefined, { signal: abort.signal })).rejects.toThrow();
    expect(h.writes.batches).toEqual([]);
    expect(h.directory.size).toBe(0);
  });
});

describe('runDiscoveryRound: groups', () => {
  it('lists each group in full every round, setting and clearing its bit', async () => {
    const h = harness([group(GROUP_A), group(GROUP_B)]);
    const bitA = h.rule.bitOfGroup(GROUP_A) ?? 0;
    const bitB = h.rule.bitOfGroup(GROUP_B) ?? 0;
    h.reader.groups.set(GROUP_A, [[member(u1)], [member(u2)]]);
    h.reader.groups.set(GROUP_B, [[guest(u2)]]);
    const first = await h.round(undefined);
    expect(first.tenantRound).toBeUndefined();
    expect(h.reader.deltaCalls).toEqual([]);
    expect(sourcesOf(h, u1)).toBe(bitA);
    expect(sourcesOf(h, u2)).toBe(bitA | bitB);
    expect(lastValue(h, u2)).toEqual({ groups: [GROUP_A, GROUP_B], enabled: true, guest: true });

    h.writes.batches.length = 0;
    h.reader.groups.set(GROUP_A, [[member(u1)]]);
    h.reader.groups.set(GROUP_B, [[guest(u2), member(u3)]]);
    await h.round(undefined);
    expect(sourcesOf(h, u2)).toBe(bitB);
    expect(h.directory.isWatched(u2) && h.directory.isWatched(u3)).toBe(true);
    expect(keysOf(h.writes.records).sort()).toEqual([u2, u3].sort()); // u1 unchanged: not written again

    h.reader.groups.set(GROUP_A, []);
    await h.round(undefined);
    expect(h.directory.entry(u1)).toBeUndefined();
    expect(h.writes.records.at(-1)).toEqual({ key: u1, value: null });
  });

  it('keeps a user who moved from a later group to an earlier one watched throughout', async () => {
    const h = harness([group(GROUP_A), group(GROUP_B)]);
    h.reader.groups.set(GROUP_B, [[member(u1)]]);
    await h.round(undefined);
    h.changes.length = 0;

    h.reader.groups.set(GROUP_A, [[member(u1)]]);
    h.reader.groups.set(GROUP_B, []);
    await h.round(undefined);
    expect(sourcesOf(h, u1)).toBe(h.rule.bitOfGroup(GROUP_A));
    expect(h.directory.isWatched(u1)).toBe(true);
    expect(h.changes).toEqual([]); // never left, so never REMOVED and polled again
  });

  it('treats a group Graph does not have as empty, and reports it', async () => {
    const h = harness([group(GROUP_A), group(GROUP_B)]);
    h.reader.groups.set(GROUP_A, [[member(u1), member(u2)]]);
    h.reader.groups.set(GROUP_B, [[member(u2)]]);
    await h.round(undefined);

    h.reader.groups.set(GROUP_A, new DirectoryGroupNotFoundError(GROUP_A, {}));
    const report = await h.round(undefined);
    expect(report.missingGroups).toEqual([GROUP_A]);
    expect(h.directory.entry(u1)).toBeUndefined();
    expect(h.directory.isWatched(u2)).toBe(true);
    expect(sourcesOf(h, u2)).toBe(h.rule.bitOfGroup(GROUP_B));
  });

  it('fails the round on any other listing error, its members untouched', async () => {
    const h = harness([group(GROUP_A)]);
    h.reader.groups.set(GROUP_A, [[member(u1)]]);
    await h.round(undefined);
    h.reader.groups.set(GROUP_A, new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'needs GroupMember.Read.All'));
    await expect(h.round(undefined)).rejects.toMatchObject({ code: ErrorCodes.GRAPH_FORBIDDEN });
    expect(h.directory.isWatched(u1)).toBe(true);
  });

  it('combines the tenant and groups: a user found by both is watched once, and stays while either has it', async () => {
    const h = harness([tenant(), group(GROUP_A)]);
    h.reader.tenant = () => [page([member(u1), guest(u2)], [], 'link-1')];
    h.reader.groups.set(GROUP_A, [[member(u1), guest(u2)]]);
    await h.round(undefined);
    expect(h.directory.watchedCount).toBe(2); // the guest is watched through the group
    expect(lastValue(h, u1)).toMatchObject({ tenant: true, groups: [GROUP_A] });

    h.reader.tenant = () => [page([], [u1], 'link-2')];
    h.reader.groups.set(GROUP_A, [[guest(u2)]]);
    await h.round('link-1');
    expect(h.directory.entry(u1)).toBeUndefined();
    expect(h.directory.isWatched(u2)).toBe(true);
  });
});
