import { AssignerProtocol, type GroupMember } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { encodeClaim, type AssignmentClaim } from '../../src/kafka/assignment-claim.js';
import { createStickyAssigner, STICKY_PROTOCOL } from '../../src/kafka/sticky-assigner.js';

const TOPIC = 'c.shards';

function memberOf(memberId: string, claim: AssignmentClaim | undefined): GroupMember {
  return {
    memberId,
    memberMetadata: AssignerProtocol.MemberMetadata.encode({
      version: 1,
      topics: [TOPIC],
      userData: claim === undefined ? Buffer.alloc(0) : encodeClaim(claim),
    }),
  };
}

function decoded(assignment: Array<{ memberId: string; memberAssignment: Buffer }>): Record<string, unknown> {
  return Object.fromEntries(
    assignment.map(({ memberId, memberAssignment }) => [
      memberId,
      AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
    ]),
  );
}

describe('the sticky assigner', () => {
  it('advertises this member’s claim under a versioned protocol name', () => {
    let claim: AssignmentClaim = { owned: {}, generation: -1 };
    const assigner = createStickyAssigner({ claim: () => claim, partitionsOf: () => [] });
    expect(assigner.name).toBe(STICKY_PROTOCOL);
    expect(STICKY_PROTOCOL).toMatch(/-v\d+$/);
    claim = { owned: { [TOPIC]: [1, 3] }, generation: 4 };
    const state = assigner.protocol({ topics: [TOPIC] });
    expect(state.name).toBe(STICKY_PROTOCOL);
    const metadata = AssignerProtocol.MemberMetadata.decode(state.metadata);
    expect(metadata?.topics).toEqual([TOPIC]);
    expect(JSON.parse(metadata?.userData.toString('utf8') ?? '')).toMatchObject(claim);
  });

  it('keeps every partition with the member that claims it and shares the departed member’s among the rest', async () => {
    const assigner = createStickyAssigner({
      claim: () => ({ owned: {}, generation: -1 }),
      partitionsOf: (topic) => (topic === TOPIC ? [0, 1, 2, 3, 4, 5] : []),
    });
    const assignment = await assigner.assign({
      topics: [TOPIC],
      members: [
        memberOf('b', { owned: { [TOPIC]: [1, 4] }, generation: 8 }),
        memberOf('c', { owned: { [TOPIC]: [2, 5] }, generation: 8 }),
        memberOf('d', undefined), // joins now, or an earlier version's metadata: no claim
      ],
    });
    expect(decoded(assignment)).toEqual({ b: { [TOPIC]: [1, 4] }, c: { [TOPIC]: [2, 5] }, d: { [TOPIC]: [0, 3] } });
  });

  it('reads a claim of another topic as no claim on this one, and gives an empty assignment to a member left out', async () => {
    const assigner = createStickyAssigner({ claim: () => ({ owned: {}, generation: -1 }), partitionsOf: () => [0] });
    const assignment = await assigner.assign({
      topics: [TOPIC],
      members: [
        memberOf('a', { owned: { other: [0] }, generation: 2 }),
        memberOf('b', { owned: { [TOPIC]: [0] }, generation: 2 }),
      ],
    });
    expect(decoded(assignment)).toEqual({ a: {}, b: { [TOPIC]: [0] } });
  });
});
