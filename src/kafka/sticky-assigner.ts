import { AssignerProtocol, type Assigner, type GroupMember, type PartitionAssigner } from 'kafkajs';
import { decodeClaim, encodeClaim, type AssignmentClaim } from './assignment-claim.js';
import { assignSticky } from './sticky-assignment.js';

/**
 * The group protocol name of the sticky assigner. The version is in the name, not only in the metadata: the broker
 * chooses a protocol every member lists, so a worker with a userData layout older members cannot read lists a new
 * name first and keeps this one after it, and a mixed group still forms during a rolling upgrade.
 */
export const STICKY_PROTOCOL = 'presence-sticky-v1';
const METADATA_VERSION = 1;

export interface StickyAssignerOptions {
  /** This member's claim, read each time it joins. */
  claim: () => AssignmentClaim;
  /** Partition ids of a topic, from the metadata the leader refreshed just before assigning. */
  partitionsOf: (topic: string) => number[];
}

/** The kafkajs assigner: each member advertises its claim; the leader assigns with assignSticky. */
export function stickyAssigner(claim: () => AssignmentClaim): PartitionAssigner {
  return ({ cluster }) =>
    createStickyAssigner({
      claim,
      partitionsOf: (topic) => cluster.findTopicPartitionMetadata(topic).map((partition) => partition.partitionId),
    });
}

export function createStickyAssigner(options: StickyAssignerOptions): Assigner {
  return {
    name: STICKY_PROTOCOL,
    version: METADATA_VERSION,
    protocol: ({ topics }) => ({
      name: STICKY_PROTOCOL,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: METADATA_VERSION,
        topics,
        userData: encodeClaim(options.claim()),
      }),
    }),
    assign: ({ members, topics }) => {
      const claims = members.map((member) => ({ memberId: member.memberId, claim: claimOf(member) }));
      const assignment = new Map<string, Record<string, number[]>>(members.map((member) => [member.memberId, {}]));
      for (const topic of topics) {
        const shares = assignSticky(
          options.partitionsOf(topic),
          claims.map(({ memberId, claim }) => ({
            memberId,
            claimed: claim.owned[topic] ?? [],
            generation: claim.generation,
          })),
        );
        for (const [memberId, partitions] of shares) {
          const topicsOfMember = assignment.get(memberId);
          if (topicsOfMember !== undefined && partitions.length > 0) topicsOfMember[topic] = partitions;
        }
      }
      return Promise.resolve(
        [...assignment].map(([memberId, assigned]) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: METADATA_VERSION,
            assignment: assigned,
            userData: Buffer.alloc(0),
          }),
        })),
      );
    },
  };
}

function claimOf(member: GroupMember): AssignmentClaim {
  return decodeClaim(AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.userData);
}
