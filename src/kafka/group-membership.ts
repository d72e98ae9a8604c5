import { PartitionAssigners, type Kafka } from 'kafkajs';
import { OwnClaim } from './assignment-claim.js';
import { mappingKafkaErrors } from './errors.js';
import { stickyAssigner } from './sticky-assigner.js';
import type { GroupMembership, GroupMembershipOptions } from './types.js';

/**
 * Joins a consumer group on a topic, for the group's assignment alone: the partitions a member is assigned are
 * what it owns, as Kafka Connect and Kafka Streams share tasks. Nothing is consumed; membership and heartbeats
 * are the point.
 *
 * The assignment is sticky (sticky-assigner.ts): taking a partition over costs its new owner a fence and a state
 * restore, so on a membership change only the partitions of the member that left move, and a member that joins
 * takes its share without reshuffling the rest. Round robin, kafkajs's default and what earlier versions used,
 * stays listed after it, so a group with workers of an earlier version still forms (on round robin) during a
 * rolling upgrade, and turns sticky once every member lists the sticky protocol.
 */
export async function joinGroup(kafka: Kafka, options: GroupMembershipOptions): Promise<GroupMembership> {
  const context = { operation: `joining the Kafka group ${options.groupId} failed` };
  const claim = new OwnClaim(options.sessionTimeoutMs);
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(options.sessionTimeoutMs, 10_000),
    maxWaitTimeInMs: 1_000,
    partitionAssigners: [stickyAssigner(() => claim.current()), PartitionAssigners.roundRobin],
  });
  consumer.on(consumer.events.REBALANCING, () => options.onRebalancing());
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    claim.assigned(payload.memberId, payload.memberAssignment);
    options.onAssigned({
      partitions: payload.memberAssignment[options.topic] ?? [],
      memberId: payload.memberId,
      isLeader: payload.isLeader,
    });
  });
  consumer.on(consumer.events.HEARTBEAT, ({ payload }) => claim.confirmed(payload.memberId, payload.groupGenerationId));
  await mappingKafkaErrors(context, async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: false });
    // Heartbeats ride on the fetch loop, so the consumer must run even though no record matters to us.
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  });
  return { stop: () => mappingKafkaErrors(context, () => consumer.disconnect()) };
}
