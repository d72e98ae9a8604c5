import type { Kafka } from 'kafkajs';
import { mappingKafkaErrors } from './errors.js';
import type { GroupMembership, GroupMembershipOptions } from './types.js';

/**
 * Joins a consumer group on a topic, for the group's assignment alone: the partitions a member is assigned are
 * what it owns, as Kafka Connect and Kafka Streams share tasks. Nothing is consumed; membership and heartbeats
 * are the point.
 */
export async function joinGroup(kafka: Kafka, options: GroupMembershipOptions): Promise<GroupMembership> {
  const context = { operation: `joining the Kafka group ${options.groupId} failed` };
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(options.sessionTimeoutMs, 10_000),
    maxWaitTimeInMs: 1_000,
  });
  consumer.on(consumer.events.REBALANCING, () => options.onRebalancing());
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    options.onAssigned({
      partitions: payload.memberAssignment[options.topic] ?? [],
      memberId: payload.memberId,
      isLeader: payload.isLeader,
    });
  });
  await mappingKafkaErrors(context, async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: false });
    // Heartbeats ride on the fetch loop, so the consumer must run even though no record matters to us.
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  });
  return { stop: () => mappingKafkaErrors(context, () => consumer.disconnect()) };
}
