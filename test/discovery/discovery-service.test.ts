import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DiscoverySource } from '../../src/config/index.js';
import {
  DirectoryRecordCodec,
  DiscoveryService,
  USERS_DELTA_LINK_KEY,
  WatchRule,
  type DiscoveryServiceParts,
  type RoundReport,
} from '../../src/discovery/index.js';
import { IN_TENANT, withAttributes } from '../../src/discovery/directory-entry.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import {
  discovery,
  GROUP_A,
  GROUP_B,
  group,
  guid,
  member,
  MemoryLog,
  page,
  ScriptedReader,
  silentLogger,
  tenant,
  type Discovery,
} from './support.js';

const [u1, u2, u3] = [guid(1), guid(2), guid(3)];
const soon = { timeout: 5_000, interval: 5 };

interface Worker extends Discovery {
  service: DiscoveryService;
  reader: ScriptedReader;
  rounds: RoundReport[];
  failures: { error: Error; retryInMs: number }[];
  leading: boolean[];
}

const started: DiscoveryService[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()));
});

function worker(log: MemoryLog, sources: DiscoverySource[], overrides: Partial<DiscoveryServiceParts> = {}): Worker {
  const setup = discovery(sources);
  const reader = new ScriptedReader();
  const rounds: RoundReport[] = [];
  const failures: Worker['failures'] = [];
  const leading: boolean[] = [];
  const service = new DiscoveryService({
    ...setup,
    reader,
    log,
    write: log.append,
    intervalMs: 60_000,
    followIntervalMs: 5,
    chunkSize: 100,
    backoff: { initialMs: 2, maxMs: 5 },
    logger: silentLogger,
    observer: {
      onRound: (report) => rounds.push(report),
      onRoundFailed: (info) => failures.push(info),
      onLeading: (value) => leading.push(value),
    },
    ...overrides,
  });
  return { ...setup, service, reader, rounds, failures, leading };
}

function start(w: Worker, leading: boolean): void {
  w.service.setLeading(leading);
  w.service.start();
  started.push(w.service);
}

/** Full round: u1, u2. From link-1: u3 joins, u1 is deleted. Any later link: nothing changed. */
function scriptTenant(reader: ScriptedReader): void {
  reader.tenant = (link) => {
    if (link === undefined) return [page([member(u1), member(u2)], [], 'link-1')];
    if (link === 'link-1') return [page([member(u3)], [u1], 'link-2')];
    return [page([], [], link)];
  };
}

describe('DiscoveryService', () => {
  it('lets a follower apply what the discoverer writes, without reading the directory itself', async () => {
    const log = new MemoryLog();
    const leader = worker(log, [tenant()], { intervalMs: 20 });
    const follower = worker(log, [tenant()]);
    scriptTenant(leader.reader);
    start(follower, false);
    start(leader, true);

    await vi.waitFor(() => expect(leader.reader.deltaCalls).toContain('link-1'), soon);
    await vi.waitFor(() => {
      expect([u1, u2, u3].map((id) => follower.directory.isWatched(id))).toEqual([false, true, true]);
    }, soon);
    expect(follower.reader.deltaCalls).toEqual([]);
    expect(follower.rounds).toEqual([]);
  });

  it('runs a round as soon as it gains leadership, stores the link, and resumes from it', async () => {
    const log = new MemoryLog();
    const first = worker(log, [tenant()], { followIntervalMs: 60_000 });
    scriptTenant(first.reader);
    start(first, false);
    await sleep(10); // the loop now waits for its next follow, a minute away
    first.service.setLeading(true);

    await vi.waitFor(() => expect(first.rounds).toHaveLength(1), soon);
    expect(first.reader.deltaCalls).toEqual([undefined]);
    expect(first.rounds[0]).toMatchObject({ tenantRound: 'full', deltaLink: 'link-1', watched: 2 });
    expect(log.latest().get(USERS_DELTA_LINK_KEY)).toBe('link-1');
    expect(first.leading).toEqual([true]);

    // A restart (another worker, the same topic): reads the topic, then resumes from the stored link.
    await first.service.stop();
    const second = worker(log, [tenant()], { intervalMs: 20 });
    scriptTenant(second.reader);
    expect(await second.service.load()).toBe(log.records.length);
    expect(second.directory.watchedCount).toBe(2);
    start(second, true);
    await vi.waitFor(() => expect(second.rounds.length).toBeGreaterThanOrEqual(2), soon);
    expect(second.reader.deltaCalls.slice(0, 2)).toEqual(['link-1', 'link-2']);
    expect(second.rounds[0]).toMatchObject({ tenantRound: 'incremental', deltaLink: 'link-2' });
    expect([u1, u2, u3].map((id) => second.directory.isWatched(id))).toEqual([false, true, true]);
  });

  it('abandons a round when leadership is lost, writing nothing more', async () => {
    const log = new MemoryLog();
    const w = worker(log, [tenant()]);
    scriptTenant(w.reader);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    w.reader.beforePage = () => gate; // holds the round before its first page; ignores the abort
    start(w, true);
    await vi.waitFor(() => expect(w.reader.deltaCalls).toHaveLength(1), soon);

    w.service.setLeading(false);
    release();
    await w.service.stop();
    expect(log.records).toEqual([]);
    expect(w.rounds).toEqual([]);
    expect(w.failures).toEqual([]); // lost leadership is no failure to report
    expect(w.leading).toEqual([true, false]);
    expect(w.reader.deltaCalls).toHaveLength(1);
  });

  it('retries a failed round after a backoff capped by the interval', async () => {
    const log = new MemoryLog();
    const w = worker(log, [tenant()], { followIntervalMs: 60_000 });
    let calls = 0;
    w.reader.tenant = () => {
      if (++calls === 1) throw new ConnectorError(ErrorCodes.GRAPH_THROTTLED, 'throttled', { retriable: true });
      return [page([member(u1)], [], 'link-1')];
    };
    start(w, true);

    await vi.waitFor(() => expect(w.rounds).toHaveLength(1), soon);
    expect(w.failures).toHaveLength(1);
    expect(w.failures[0]?.error.message).toBe('throttled');
    expect(w.failures[0]?.retryInMs).toBeLessThanOrEqual(5);
    expect(w.reader.deltaCalls).toEqual([undefined, undefined]);
    expect(w.directory.isWatched(u1)).toBe(true);
  });

  it('waits a whole interval after a failure no retry cures', async () => {
    const log = new MemoryLog();
    const w = worker(log, [group(GROUP_A)], { intervalMs: 30_000 });
    w.reader.groups.set(GROUP_A, new ConnectorError(ErrorCodes.GRAPH_FORBIDDEN, 'needs GroupMember.Read.All'));
    start(w, true);
    await vi.waitFor(() => expect(w.failures).toHaveLength(1), soon);
    expect(w.failures[0]?.retryInMs).toBe(30_000);
    expect(w.reader.groupCalls).toEqual([GROUP_A]);
  });

  it('deletes the records of users no configured source has any more, once', async () => {
    const log = new MemoryLog();
    // Written under an earlier config that also had the tenant and group B.
    const rule = new WatchRule([tenant(), group(GROUP_A), group(GROUP_B)]);
    const before = new DirectoryRecordCodec(rule);
    const enabled = { accountEnabled: true, userType: 'Member' };
    await log.append([
      before.user(u1, withAttributes(rule.bitOfGroup(GROUP_B) ?? 0, enabled)), // only in the removed group
      before.user(u2, withAttributes((rule.bitOfGroup(GROUP_A) ?? 0) | (rule.bitOfGroup(GROUP_B) ?? 0), enabled)),
      before.user(u3, withAttributes(IN_TENANT, enabled)), // only in the removed tenant
    ]);
    const w = worker(log, [group(GROUP_A)], { intervalMs: 20 });
    w.reader.groups.set(GROUP_A, [[member(u2)]]);
    await w.service.load();
    expect([...w.directory.userIds()]).toEqual([u2]);

    start(w, true);
    await vi.waitFor(() => expect(w.rounds.length).toBeGreaterThanOrEqual(2), soon);
    const latest = log.latest();
    expect(latest.get(u1)).toBeNull();
    expect(latest.get(u3)).toBeNull();
    // Still in a configured group: kept as written (the removed group's name is ignored when read).
    expect(latest.get(u2)).toMatchObject({ groups: [GROUP_A, GROUP_B] });
    expect(w.directory.isWatched(u2)).toBe(true);
    const tombstones = log.records.filter((record) => record.value === null).map((record) => record.key);
    expect(tombstones.sort()).toEqual([u1, u3].sort());
  });

  it('drops the stored users delta link once the tenant source is removed, so its return starts in full', async () => {
    const log = new MemoryLog();
    const withTenant = worker(log, [tenant(), group(GROUP_A)]);
    scriptTenant(withTenant.reader);
    start(withTenant, true);
    await vi.waitFor(() => expect(withTenant.rounds).toHaveLength(1), soon);
    await withTenant.service.stop();

    const groupOnly = worker(log, [group(GROUP_A)]);
    await groupOnly.service.load();
    start(groupOnly, true);
    await vi.waitFor(() => expect(groupOnly.rounds).toHaveLength(1), soon);
    expect(log.latest().get(USERS_DELTA_LINK_KEY)).toBeNull();
    expect(groupOnly.reader.deltaCalls).toEqual([]);
    await groupOnly.service.stop();

    const tenantAgain = worker(log, [tenant(), group(GROUP_A)]);
    scriptTenant(tenantAgain.reader);
    await tenantAgain.service.load();
    start(tenantAgain, true);
    await vi.waitFor(() => expect(tenantAgain.rounds).toHaveLength(1), soon);
    expect(tenantAgain.reader.deltaCalls).toEqual([undefined]);
    expect(tenantAgain.directory.watchedCount).toBe(2);
  });

  it('refuses to load a directory record it cannot read', async () => {
    const log = new MemoryLog();
    await log.append([{ key: u1, value: Buffer.from('{"tenant":"yes"}') }]);
    const w = worker(log, [tenant()]);
    await expect(w.service.load()).rejects.toMatchObject({ code: ErrorCodes.STATE_RESTORE_FAILED });
    expect(w.directory.size).toBe(0);
  });
});
