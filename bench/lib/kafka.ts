/** Plain kafkajs helpers for the raw-producer baselines and for writing a state topic the way the connector does. */
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';

/** kafkajs logs expected rebalances at ERROR; the benchmarks report their own failures. */
export function benchKafka(brokers: string[], clientId = 'bench'): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** The same topic layout KafkaSink.ensureTopics creates, so that a worker started later finds it as its own. */
export async function createConnectorTopics(
  kafka: Kafka,
  topics: { events: string; eventsPartitions: number; state: string; statePartitions: number },
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.events, numPartitions: topics.eventsPartitions, replicationFactor: 1 },
        {
          topic: topics.state,
          numPartitions: topics.statePartitions,
          replicationFactor: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'min.compaction.lag.ms', value: '60000' },
            { name: 'segment.ms', value: String(6 * 60 * 60 * 1000) },
          ],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Producer settings of TransactionalPublisher.ensureProducer. */
export async function transactionalProducer(kafka: Kafka, transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 60_000,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return producer;
}

/** Producer settings of IdempotentPublisher.ensureProducer. */
export async function idempotentProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

export function compressionOf(name: 'gzip' | 'none'): CompressionTypes {
  return name === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}

/**
 * The sum of each topic's partition end offsets, or null for a topic that does not exist. On a transactional
 * topic that is the records plus one commit marker per partition and transaction: an upper bound on the records,
 * and 0 only when nothing was ever written.
 */
export async function topicEndOffsets(kafka: Kafka, topics: readonly string[]): Promise<Record<string, number | null>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const sums: Record<string, number | null> = {};
    for (const topic of topics) {
      sums[topic] = existing.has(topic)
        ? (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0)
        : null;
    }
    return sums;
  } finally {
    await admin.disconnect();
  }
}
