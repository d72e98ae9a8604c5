/** The local Kafka broker for tests, the demo and benchmarks (see local-broker.ts); start-broker.ts is its CLI. */
export { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from './local-broker.js';
export {
  DEFAULT_KAFKA_VERSION,
  ensureKafkaJars,
  kafkaArtifacts,
  kafkaJarsCached,
  type KafkaJarsOptions,
} from './jars.js';
export type { ExtraListener, ListenerSecurityProtocol } from './config.js';
