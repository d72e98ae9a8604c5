import { withAdmin } from './admin.js';
import { createKafkaClient, type KafkaClientOptions } from './client.js';
import { joinGroup } from './group-membership.js';
import { readPartitions } from './partition-reader.js';
import { connectIdempotentProducer, connectTransactionalProducer, probeTransactions } from './producers.js';
import type { KafkaCluster } from './types.js';

/**
 * The connector's handle on one Kafka cluster. Building it connects nothing: every call opens the connections it
 * needs (an admin, a consumer, a producer) and maps kafkajs's failures into ConnectorErrors.
 */
export function createKafkaCluster(options: KafkaClientOptions): KafkaCluster {
  const kafka = createKafkaClient(options);
  return {
    withAdmin: (work) => withAdmin(kafka, work),
    readPartitions: (read) => readPartitions(kafka, read),
    transactionalProducer: (producer) => connectTransactionalProducer(kafka, producer),
    idempotentProducer: (producer) => connectIdempotentProducer(kafka, producer),
    probeTransactions: (transactionalId) => probeTransactions(kafka, transactionalId),
    joinGroup: (membership) => joinGroup(kafka, membership),
  };
}
