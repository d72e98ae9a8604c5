/**
 * Vitest globalSetup: one Kafka broker for the whole test run, shared by every test file through
 * `inject('kafkaBrokers')` (see test/support/kafka.ts).
 *
 * Where the broker comes from, first match wins:
 *   1. env KAFKA_BROKERS (comma-separated): someone else's broker, used as is and never stopped.
 *   2. testcontainers, where a container runtime answers (a developer laptop with Docker).
 *   3. a local broker from Maven jars (scripts/kafka/): these machines and CI have no Docker engine.
 * env KAFKA_TEST_SOURCE=local skips step 2, e.g. to test against the same Kafka version as CI on a Docker laptop.
 */
import type { TestProject } from 'vitest/node';
import { startLocalBroker } from '../scripts/kafka/index.js';

export type KafkaSource = 'env' | 'testcontainers' | 'local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap addresses. */
    kafkaBrokers: string;
    kafkaSource: KafkaSource;
  }
}

/** cp-kafka 7.9 is Kafka 3.9; override with env KAFKA_TEST_IMAGE. */
const DEFAULT_TEST_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const RUNTIME_PROBE_TIMEOUT_MS = 10_000;

interface ProvidedBroker {
  brokers: string;
  source: KafkaSource;
  describe: string;
  teardown: () => Promise<void>;
}

function log(message: string): void {
  process.stderr.write(`[kafka] ${message}\n`);
}

async function fromTestcontainers(): Promise<ProvidedBroker | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  try {
    // Throws within a second when there is no Docker/Podman socket, which is the normal case on CI here; the
    // timeout covers a socket that exists but whose daemon hangs.
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('container runtime did not answer')), RUNTIME_PROBE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const image = process.env['KAFKA_TEST_IMAGE'] ?? DEFAULT_TEST_IMAGE;
  const container = await new KafkaContainer(image)
    .withKraft()
    // KafkaContainer sets the transaction log's min ISR but not its replication factor; one node needs both.
    .withEnvironment({ KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1' })
    .start();
  const brokers = `${container.getHost()}:${container.getMappedPort(9093)}`;
  return {
    brokers,
    source: 'testcontainers',
    describe: `testcontainers ${image} at ${brokers}`,
    teardown: async () => {
      await container.stop();
    },
  };
}

async function fromLocalJars(): Promise<ProvidedBroker> {
  const broker = await startLocalBroker({ onProgress: log });
  return {
    brokers: broker.brokers.join(','),
    source: 'local',
    describe: `local broker from Maven jars at ${broker.brokers.join(',')} (log: ${broker.logFile})`,
    teardown: () => broker.dispose(),
  };
}

async function chooseBroker(): Promise<ProvidedBroker> {
  const fromEnv = process.env['KAFKA_BROKERS']?.trim();
  if (fromEnv) {
    return { brokers: fromEnv, source: 'env', describe: `KAFKA_BROKERS=${fromEnv}`, teardown: async () => {} };
  }
  if (process.env['KAFKA_TEST_SOURCE'] !== 'local') {
    const container = await fromTestcontainers();
    if (container !== undefined) return container;
  }
  return fromLocalJars();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const chosen = await chooseBroker();
  log(`using ${chosen.describe} (${chosen.source}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  project.provide('kafkaBrokers', chosen.brokers);
  project.provide('kafkaSource', chosen.source);
  return async () => {
    await chosen.teardown();
  };
}
