import { describe, expect, it } from 'vitest';
import { IN_TENANT, withAttributes } from '../../src/discovery/directory-entry.js';
import type { MembershipChange } from '../../src/discovery/index.js';
import { discovery, GROUP_A, group, guid, tenant } from './support.js';

const MEMBER = withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Member' });
const DISABLED = withAttributes(IN_TENANT, { accountEnabled: false, userType: 'Member' });
const GUEST = withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Guest' });
const EIGHT = Array.from({ length: 8 }, (_, index) => `discovered-${index}`);

describe('WatchedDirectory sharding', () => {
  it('keeps every user in its shard when 1 % more join, and spreads users evenly', () => {
    const { directory } = discovery([tenant()], { shardNames: EIGHT });
    const existing = Array.from({ length: 100_000 }, (_, index) => guid(index));
    for (const userId of existing) directory.set(userId, MEMBER);
    const shardBefore = new Map(existing.map((userId) => [userId, directory.shardOf(userId)]));
    const membersBefore = new Map(EIGHT.map((shard) => [shard, new Set(directory.membersOf(shard))]));

    const mean = existing.length / EIGHT.length;
    for (const members of membersBefore.values()) {
      expect(members.size).toBeGreaterThanOrEqual(mean * 0.9);
      expect(members.size).toBeLessThanOrEqual(mean * 1.1);
    }

    const joining = Array.from({ length: 1_000 }, (_, index) => guid(existing.length + index));
    for (const userId of joining) directory.set(userId, MEMBER);

    const moved = existing.filter((userId) => directory.shardOf(userId) !== shardBefore.get(userId));
    expect(moved).toEqual([]);
    const joined = new Set(joining);
    for (const shard of EIGHT) {
      const after = new Set(directory.membersOf(shard));
      const before = membersBefore.get(shard) ?? new Set();
      // Everyone who was here is still here, and the only newcomers are the users who just joined.
      expect([...before].filter((userId) => !after.has(userId))).toEqual([]);
      expect([...after].filter((userId) => !before.has(userId) && !joined.has(userId))).toEqual([]);
    }
    expect(directory.watchedCount).toBe(101_000);
    // The newcomers spread too: no shard takes them all.
    const newcomersPerShard = EIGHT.map((shard) => directory.membersOf(shard).filter((id) => joined.has(id)).length);
    expect(Math.max(...newcomersPerShard)).toBeLessThan(250);
  });

  it('places a user by its id alone: another directory with the same shards agrees', () => {
    const one = discovery([tenant()], { shardNames: EIGHT }).directory;
    const other = discovery([group(GROUP_A)], { shardNames: EIGHT }).directory;
    for (let index = 0; index < 1_000; index++) expect(other.shardOf(guid(index))).toBe(one.shardOf(guid(index)));
    expect(EIGHT).toContain(one.shardOf(guid(1)));
  });
});

describe('WatchedDirectory', () => {
  it('never watches an id the config lists in a shard of its own, but remembers it', () => {
    const explicit = guid(7);
    const { directory } = discovery([tenant()], { explicit: [explicit] });
    const changes: MembershipChange[] = [];
    directory.onChange((change) => changes.push(change));
    directory.set(explicit, MEMBER);
    directory.set(guid(8), MEMBER);
    expect(directory.isWatched(explicit)).toBe(false);
    expect(directory.membersOf(directory.shardOf(explicit))).not.toContain(explicit);
    expect(directory.entry(explicit)).toBe(MEMBER);
    expect(directory.size).toBe(2);
    expect(changes.map((change) => change.userId)).toEqual([guid(8)]);
  });

  it('tells listeners of each join and leave exactly once', () => {
    const { directory } = discovery([tenant()]);
    const changes: MembershipChange[] = [];
    directory.onChange((change) => changes.push(change));
    const userId = guid(1);
    const shard = directory.shardOf(userId);

    directory.set(userId, MEMBER);
    directory.set(userId, MEMBER);
    directory.set(userId, withAttributes(IN_TENANT, { accountEnabled: true, userType: null })); // still watched
    directory.set(userId, DISABLED);
    directory.set(userId, DISABLED);
    directory.set(userId, GUEST); // enabled again, but a guest: still not watched
    directory.set(userId, MEMBER);
    directory.set(userId, undefined);
    directory.set(userId, undefined);

    expect(changes).toEqual([
      { shard, userId, joined: true },
      { shard, userId, joined: false },
      { shard, userId, joined: true },
      { shard, userId, joined: false },
    ]);
    expect(directory.size).toBe(0);
  });

  it('remembers an unwatched user with its attributes, and forgets an entry no configured source has', () => {
    const { directory } = discovery([group(GROUP_A)]);
    directory.set(guid(1), withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Member' }));
    expect(directory.size).toBe(0); // the tenant is no source of this config
    directory.set(guid(2), DISABLED | (1 << 5));
    expect(directory.size).toBe(1);
    expect(directory.isWatched(guid(2))).toBe(false);
    expect(directory.entry(guid(2))).toBe(DISABLED | (1 << 5));
    expect([...directory.userIds()].map((id) => [id, directory.entry(id)])).toEqual([[guid(2), DISABLED | (1 << 5)]]);
  });

  it('hands out the same members array until the shard changes, and never changes one it handed out', () => {
    const { directory } = discovery([tenant()], { shardNames: EIGHT });
    const ids = Array.from({ length: 200 }, (_, index) => guid(index));
    const shard = directory.shardOf(guid(0));
    const sameShard = ids.filter((userId) => directory.shardOf(userId) === shard);
    const otherShard = ids.find((userId) => directory.shardOf(userId) !== shard) ?? '';

    directory.set(guid(0), MEMBER);
    const first = directory.membersOf(shard);
    expect(first).toEqual([guid(0)]);
    expect(directory.membersOf(shard)).toBe(first);

    directory.set(otherShard, MEMBER);
    directory.set(guid(0), MEMBER); // no change
    expect(directory.membersOf(shard)).toBe(first);

    const newcomer = sameShard[1] ?? '';
    directory.set(newcomer, MEMBER);
    const second = directory.membersOf(shard);
    expect(second).not.toBe(first);
    expect([...second].sort()).toEqual([guid(0), newcomer].sort());
    expect(first).toEqual([guid(0)]);

    directory.set(guid(0), DISABLED);
    expect(directory.membersOf(shard)).toEqual([newcomer]);
    expect(second).toHaveLength(2);
    expect(directory.membersOf('no-such-shard')).toEqual([]);
  });
});
