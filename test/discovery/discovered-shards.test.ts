import { describe, expect, it } from 'vitest';
import { IN_TENANT, withAttributes } from '../../src/discovery/directory-entry.js';
import { DiscoveredShards } from '../../src/discovery/index.js';
import { discovery, guid, tenant } from './support.js';

const MEMBER = withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Member' });
const DISABLED = withAttributes(IN_TENANT, { accountEnabled: false, userType: 'Member' });

function setup() {
  const { directory } = discovery([tenant()], { shardNames: ['d-0', 'd-1'] });
  const shards = new DiscoveredShards(directory);
  const ids = Array.from({ length: 50 }, (_, index) => guid(index));
  const inShard = (shard: string) => ids.filter((id) => directory.shardOf(id) === shard);
  const [a1, a2, a3] = inShard('d-0') as [string, string, string];
  const [b1] = inShard('d-1') as [string];
  return { directory, shards, a1, a2, a3, b1 };
}

describe('DiscoveredShards', () => {
  it('presents each discovered shard with the users watched there now', () => {
    const { directory, shards, a1, a2, b1 } = setup();
    expect(shards.shards.map((shard) => shard.name)).toEqual(['d-0', 'd-1']);
    const [d0, d1] = shards.shards as [(typeof shards.shards)[0], (typeof shards.shards)[0]];
    expect(d0.userIds).toEqual([]);

    directory.set(a1, MEMBER);
    directory.set(b1, MEMBER);
    expect(d0.userIds).toEqual([a1]);
    expect(d1.userIds).toEqual([b1]);
    const read = d0.userIds;
    expect(d0.userIds).toBe(read); // a poller reading twice between changes gets the same list

    directory.set(a2, MEMBER);
    directory.set(a1, DISABLED);
    expect(d0.userIds).toEqual([a2]);
    expect(read).toEqual([a1]);
    expect(shards.isDiscovered('d-1')).toBe(true);
    expect(shards.isDiscovered('explicit-shard')).toBe(false);
  });

  it('notes leavers only of the shards it tracks, from the moment it tracks them', () => {
    const { directory, shards, a1, a2, b1 } = setup();
    for (const id of [a1, a2, b1]) directory.set(id, MEMBER);
    directory.set(a1, DISABLED); // left before tracking: the restore retires it, not the leavers
    shards.track('d-0');
    directory.set(a2, undefined);
    directory.set(b1, undefined); // d-1 is not tracked here
    expect(shards.takeLeavers('d-0')).toEqual([a2]);
    expect(shards.takeLeavers('d-0')).toEqual([]);
    expect(shards.takeLeavers('d-1')).toEqual([]);

    shards.track('explicit-shard'); // not discovered: nothing to note
    expect(shards.takeLeavers('explicit-shard')).toEqual([]);
  });

  it('forgets a leaver who comes back before being retired', () => {
    const { directory, shards, a1, a2 } = setup();
    shards.track('d-0');
    directory.set(a1, MEMBER);
    directory.set(a2, MEMBER);
    directory.set(a1, DISABLED);
    directory.set(a2, DISABLED);
    directory.set(a1, MEMBER);
    expect(shards.takeLeavers('d-0')).toEqual([a2]);
  });

  it('takes back the leavers that could not be retired, except those who came back meanwhile', () => {
    const { directory, shards, a1, a2, a3 } = setup();
    shards.track('d-0');
    for (const id of [a1, a2, a3]) directory.set(id, MEMBER);
    for (const id of [a1, a2]) directory.set(id, DISABLED);
    const taken = shards.takeLeavers('d-0');
    expect(taken.sort()).toEqual([a1, a2].sort());

    directory.set(a2, MEMBER); // back while its retirement was in flight
    directory.set(a3, DISABLED); // a new leaver meanwhile
    shards.returnLeavers('d-0', taken);
    expect(shards.takeLeavers('d-0').sort()).toEqual([a1, a3].sort());
  });

  it('drops what it noted when the shard leaves this worker, and starts afresh when it comes back', () => {
    const { directory, shards, a1, a2 } = setup();
    shards.track('d-0');
    directory.set(a1, MEMBER);
    directory.set(a1, DISABLED);
    shards.untrack('d-0');
    shards.returnLeavers('d-0', [a1]); // a retirement that ended after the shard left: ignored
    directory.set(a2, MEMBER);
    directory.set(a2, DISABLED);
    expect(shards.takeLeavers('d-0')).toEqual([]);

    shards.track('d-0');
    expect(shards.takeLeavers('d-0')).toEqual([]);
    directory.set(a2, MEMBER);
    directory.set(a2, undefined);
    expect(shards.takeLeavers('d-0')).toEqual([a2]);
  });
});
