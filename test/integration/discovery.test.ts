/**
 * Discovery against the real broker and the simulator's directory (issue "[4 of 7] Watch a group or the whole
 * tenant"): the watched set follows the directory (nested groups, members added, removed, disabled, deleted), a
 * restart resumes from the delta link stored on the directory topic, an expired link costs one full round and
 * its reconciliation retires who is gone. What is watched is read from the topics a consumer reads: the table of
 * current presence (one live row per watched user) and the change topic (SNAPSHOT on joining, REMOVED on leaving).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../support/connector-harness.js';
import { harnessesDisposedAfterEach } from '../support/worker-process.js';
import { decodeEvent, lastPerKey, readKeyed, workerFromFile, type KeyedRecord } from './support/presence-topics.js';
import type { DecodedEvent } from '../support/connector-harness.js';

const harnessFor = harnessesDisposedAfterEach();

/** Users with a live row on the table (their last record is not a tombstone). */
async function tableUsers(harness: Harness): Promise<string[]> {
  const table = harness.config.kafka.table?.topic;
  if (table === undefined) throw new Error('the table is off');
  const rows = lastPerKey(await readKeyed(table, decodeEvent, { idleMs: 500 }));
  return [...rows]
    .filter(([, row]) => row.value !== null)
    .map(([userId]) => userId)
    .sort();
}

/** Waits until the table holds exactly `expected` (sorted); returns how long that took. */
async function waitForTable(harness: Harness, expected: () => string[], timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  let seen: string[] = [];
  while (Date.now() - started < timeoutMs) {
    seen = await tableUsers(harness);
    if (JSON.stringify(seen) === JSON.stringify(expected())) return Date.now() - started;
    await sleep(250);
  }
  const want = new Set(expected());
  const extra = seen.filter((id) => !want.has(id));
  const missing = [...want].filter((id) => !seen.includes(id));
  throw new Error(`table differs from the watched set: extra ${extra.join(', ')}; missing ${missing.join(', ')}`);
}

async function changes(harness: Harness): Promise<Array<KeyedRecord<DecodedEvent>>> {
  return readKeyed(harness.topic, decodeEvent, { idleMs: 500 });
}

function kindsOf(events: ReadonlyArray<KeyedRecord<DecodedEvent>>, userId: string): string[] {
  return events.filter((event) => event.key === userId).map((event) => event.value?.kind ?? 'tombstone');
}

const DISCOVERY_INTERVAL_S = 10;

describe('discovery', () => {
  it('watches the transitive members of a group with nested groups and a cycle, and follows its changes within one interval', async () => {
    const harness = await harnessFor({
      userCount: 80,
      simulator: {
        directory: {
          disabledShare: 0,
          guestShare: 0,
          // 0 -> 1 -> 2 -> 0: nested twice, and a cycle back to the top.
          groupLayout: [
            { users: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], groups: [1] },
            { users: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], groups: [2] },
            { users: [20, 21, 22, 23, 24], groups: [0] },
            { users: [50, 51, 52] },
          ],
        },
      },
      shards: () => [],
      settings: {
        discovery: (simulator) => ({
          sources: [{ type: 'group', groupId: simulator.directory.groupIdAt(0) }],
          shards: 3,
          intervalSeconds: DISCOVERY_INTERVAL_S,
          followIntervalSeconds: 1,
        }),
      },
    });
    const directory = harness.simulator.directory;
    const top = directory.groupIdAt(0);
    expect(harness.config.discovery?.sources).toEqual([{ type: 'group', groupId: top }]);
    const expected = () =>
      directory
        .transitiveUserIds(top)
        .filter((id) => directory.user(id).accountEnabled)
        .sort();
    expect(expected()).toHaveLength(25);

    await harness.worker.start();
    await waitForTable(harness, expected);

    const ids = harness.simulator.userIds();
    const id = (index: number): string => ids[index] ?? '';
    const [removed, disabled, deleted, joinedDirect, joinedNested] = [id(12), id(0), id(21), id(60), id(61)];
    directory.removeMembers(directory.groupIdAt(1), [removed]);
    directory.disableUsers([disabled]);
    directory.deleteUsers([deleted]);
    directory.addMembers(top, [joinedDirect]);
    // A whole group nested into the watched tree brings its members.
    directory.addMembers(directory.groupIdAt(2), [directory.groupIdAt(3)]);
    directory.addMembers(directory.groupIdAt(3), [joinedNested]);
    const changedAt = Date.now();
    expect(expected()).toHaveLength(25 - 3 + 1 + 4);

    const tookMs = await waitForTable(harness, expected, 3 * DISCOVERY_INTERVAL_S * 1000);
    // One discovery interval, then the directory topic read (1 s) and a poll cycle (1 s), with slack for a busy machine.
    expect(Date.now() - changedAt).toBeLessThan((DISCOVERY_INTERVAL_S + 8) * 1000);
    expect(tookMs).toBeGreaterThan(0);

    const events = await changes(harness);
    for (const gone of [removed, disabled, deleted]) expect(kindsOf(events, gone)).toEqual(['SNAPSHOT', 'REMOVED']);
    for (const joined of [joinedDirect, joinedNested, id(50)]) expect(kindsOf(events, joined)[0]).toBe('SNAPSHOT');
    // Nobody outside the group was ever published.
    const everWatched = new Set([...expected(), removed, disabled, deleted]);
    expect(events.filter((event) => !everWatched.has(event.key)).map((event) => event.key)).toEqual([]);
  });

  it('resumes from the stored delta link after a restart; an expired link costs one full round whose reconciliation retires who is gone', async () => {
    const harness = await harnessFor({
      userCount: 60,
      simulator: { directory: { initialUsers: 50, guestShare: 0.2, disabledShare: 0.1 } },
      shards: () => [],
      settings: {
        discovery: {
          sources: [{ type: 'tenant' }],
          shards: 2,
          intervalSeconds: DISCOVERY_INTERVAL_S,
          followIntervalSeconds: 1,
        },
      },
    });
    const { directory, recording } = harness.simulator;
    const expected = () => directory.userIds({ enabledOnly: true, membersOnly: true }).sort();
    const rounds = () => recording.directoryCounters().usersDelta;
    await harness.worker.start();
    await waitForTable(harness, expected);
    expect(rounds()).toMatchObject({ full: 1 });
    await harness.worker.stop();

    // While no worker runs: one user leaves for good, one joins, one is disabled.
    const members = expected();
    const leaver = members[0] ?? '';
    const disabled = members[1] ?? '';
    directory.deleteUsers([leaver], { permanently: true });
    const joiner = directory.addUsers(1, { userType: 'Member', accountEnabled: true })[0] ?? '';
    directory.disableUsers([disabled]);

    const second = workerFromFile(harness, harness.configFile);
    await second.worker.start();
    try {
      await waitForTable(harness, expected);
      // Resumed from the link on the directory topic: the directory was not read in full again.
      expect(rounds()).toMatchObject({ full: 1 });
      expect(rounds().incremental).toBeGreaterThanOrEqual(1);
    } finally {
      await second.worker.stop();
    }
    const events = await changes(harness);
    expect(kindsOf(events, leaver)).toEqual(['SNAPSHOT', 'REMOVED']);
    expect(kindsOf(events, disabled)).toEqual(['SNAPSHOT', 'REMOVED']);
    expect(kindsOf(events, joiner)).toEqual(['SNAPSHOT']);

    // The stored link expires (Graph keeps them seven days) while a user is deleted: only a full round sees it.
    directory.expireDeltaLinks();
    const gone = expected()[2] as string;
    directory.deleteUsers([gone], { permanently: true });
    const fullBefore = rounds().full;
    const third = workerFromFile(harness, harness.configFile);
    await third.worker.start();
    try {
      await waitForTable(harness, expected);
      expect(rounds().full).toBe(fullBefore + 1);
      await sleep(DISCOVERY_INTERVAL_S * 1000 + 2_000);
      // The next round is incremental again, from the new link.
      expect(rounds().full).toBe(fullBefore + 1);
    } finally {
      await third.worker.stop();
    }
    expect(kindsOf(await changes(harness), gone)).toEqual(['SNAPSHOT', 'REMOVED']);
    expect(
      third.logs.some(
        (line) =>
          line['msg'] === 'the stored delta link could not be followed; read the directory in full and reconciled',
      ),
    ).toBe(true);
  });

  it('keeps polling presence at its own pace while the directory is throttled for good', async () => {
    const harness = await harnessFor({
      userCount: 30,
      // One directory request per 30 s, and a round of several pages: every page after the first answers 429 with
      // a Retry-After of about 30 s.
      simulator: { directory: { pageSize: 5, budget: { resourceUnits: 1, windowSeconds: 30 } } },
      shards: (ids) => [{ name: 'vip', users: ids.slice(0, 10) }],
      settings: {
        discovery: {
          sources: [{ type: 'tenant' }],
          shards: 2,
          intervalSeconds: DISCOVERY_INTERVAL_S,
          followIntervalSeconds: 1,
        },
      },
    });
    const { recording } = harness.simulator;
    const vip = harness.simulator.userIds().slice(0, 10).sort();
    await harness.worker.start();
    await waitForTable(harness, () => vip, 20_000);
    const requestsBefore = recording.counters().presenceRequests;
    await sleep(5_000);
    // One request per 1 s cycle of the vip shard: a directory Retry-After of 30 s must not pause it.
    expect(recording.counters().presenceRequests - requestsBefore).toBeGreaterThanOrEqual(4);
    expect(recording.directoryCounters().throttled).toBeGreaterThanOrEqual(1);
    expect(recording.counters().throttled).toBe(0);
    expect(harness.worker.health().reasons.join('; ')).not.toContain('shard vip');
    // Nobody was discovered, so nobody but the vip shard's users was published.
    expect(await tableUsers(harness)).toEqual(vip);
  });

  it('hands discovery over with the first discovered shard when its worker leaves', async () => {
    const harness = await harnessFor({
      userCount: 40,
      simulator: {
        directory: { disabledShare: 0, guestShare: 0, groupLayout: [{ users: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }] },
      },
      shards: () => [],
      settings: {
        assignment: { mode: 'dynamic' },
        discovery: (simulator) => ({
          sources: [{ type: 'group', groupId: simulator.directory.groupIdAt(0) }],
          shards: 4,
          intervalSeconds: DISCOVERY_INTERVAL_S,
          followIntervalSeconds: 1,
        }),
      },
    });
    const directory = harness.simulator.directory;
    const group = directory.groupIdAt(0);
    const expected = () => directory.transitiveUserIds(group).sort();
    const other = workerFromFile(harness, harness.configFile);
    await Promise.all([harness.worker.start(), other.worker.start()]);
    try {
      await waitForTable(harness, expected);
      const leads = (logs: ReadonlyArray<Record<string, unknown>>) =>
        logs.filter((line) => line['msg'] === 'this worker now discovers users').length -
        logs.filter((line) => line['msg'] === 'another worker discovers users').length;
      // Once settled, exactly one of the two discovers.
      await expectSoon(() => leads(harness.logs) + leads(other.logs) === 1);
      const [leader, survivor] =
        leads(harness.logs) === 1
          ? [harness.worker, other]
          : [other.worker, { worker: harness.worker, logs: harness.logs }];
      await leader.stop();

      const ids = harness.simulator.userIds();
      directory.addMembers(group, [ids[30] ?? '']);
      directory.removeMembers(group, [ids[5] ?? '']);
      await waitForTable(harness, expected, 4 * DISCOVERY_INTERVAL_S * 1000);
      expect(leads(survivor.logs)).toBe(1);
    } finally {
      await other.worker.stop();
    }
  });
});

async function expectSoon(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(200);
  }
}
