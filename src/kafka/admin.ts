import type { Kafka } from 'kafkajs';
import { closeAfter, kafkaDebugLog } from './closing.js';
import { mappingKafkaErrors } from './errors.js';
import type { KafkaAdmin, TopicSpec } from './types.js';

const ADMIN = { operation: 'Kafka topic administration failed' } as const;

/**
 * Runs `work` with one connected admin client and always disconnects it; a failing disconnect after a failed
 * `work` is logged at debug, so the failure of `work` is the one reported.
 */
export async function withAdmin<T>(kafka: Kafka, work: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await mappingKafkaErrors(ADMIN, () => admin.connect());
  return closeAfter(
    () =>
      work({
        createTopics: (topics) =>
          mappingKafkaErrors(ADMIN, () =>
            admin.createTopics({ waitForLeaders: true, topics: topics.map(toTopicConfig) }),
          ),
        partitionCount: (topic) =>
          mappingKafkaErrors(ADMIN, async () => {
            const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
            return metadata.topics[0]?.partitions.length ?? 0;
          }),
        addPartitions: (topic, count) =>
          mappingKafkaErrors(ADMIN, async () => {
            await admin.createPartitions({ topicPartitions: [{ topic, count }] });
          }),
      }),
    () => mappingKafkaErrors(ADMIN, () => admin.disconnect()),
    kafkaDebugLog(kafka),
    'the Kafka admin client',
  );
}

function toTopicConfig(spec: TopicSpec) {
  return {
    topic: spec.topic,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor,
    ...(spec.config === undefined
      ? {}
      : { configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })) }),
  };
}
