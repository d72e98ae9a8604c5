import { setTimeout as sleep } from 'node:timers/promises';
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
            // The controller has the new partitions; the brokers' metadata follows a moment later. Until it does a
            // count reads the old number (seen in CI), so wait for it here rather than in every caller.
            const deadline = Date.now() + METADATA_SETTLE_MS;
            while (Date.now() < deadline) {
              const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
              if ((metadata.topics[0]?.partitions.length ?? 0) >= count) return;
              await sleep(100);
            }
          }),
      }),
    () => mappingKafkaErrors(ADMIN, () => admin.disconnect()),
    kafkaDebugLog(kafka),
    'the Kafka admin client',
  );
}

/** How long growing a topic waits for the brokers' metadata to show the new partitions. */
const METADATA_SETTLE_MS = 10_000;

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
