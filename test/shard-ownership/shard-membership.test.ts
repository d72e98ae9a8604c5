import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GroupMembershipOptions } from '../../src/kafka/index.js';
import { ShardMembership, shardsOf } from '../../src/shard-ownership/shard-membership.js';

const logger = pino({ level: 'silent' });

describe('shardsOf', () => {
  it('turns coordination partitions into shard names, sorted, ignoring partitions of removed shards', () => {
    expect(shardsOf([2, 0, 7], ['a', 'b', 'c'])).toEqual(['a', 'c']);
    expect(shardsOf([], ['a'])).toEqual([]);
  });
});

describe('ShardMembership', () => {
  it('joins the group on the coordination topic and forwards rebalances and assignments as shards', async () => {
    let joined: GroupMembershipOptions | undefined;
    let stopped = 0;
    const events: string[] = [];
    const membership = new ShardMembership({
      kafka: {
        joinGroup: async (options) => {
          joined = options;
          return { stop: async () => void stopped++ };
        },
      },
      groupId: 'connector.workers',
      topic: 'connector.shards',
      shards: ['a', 'b', 'c'],
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
      logger,
      onRevoke: () => void events.push('revoke'),
      onAssign: (shards) => void events.push(`assign ${shards.join(',')}`),
    });
    await membership.start();
    expect(joined).toMatchObject({ groupId: 'connector.workers', topic: 'connector.shards', sessionTimeoutMs: 10_000 });
    joined?.onRebalancing();
    joined?.onAssigned({ partitions: [2, 0], memberId: 'm1', isLeader: true });
    expect(events).toEqual(['revoke', 'assign a,c']);
    await membership.stop();
    await membership.stop();
    expect(stopped).toBe(1);
  });
});
