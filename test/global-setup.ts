/**
 * Vitest globalSetup: one Kafka broker and one schema registry for the whole test run, shared by every test file
 * through `inject('kafkaBrokers')` (see test/support/kafka.ts) and `inject('schemaRegistryUrl')` (see
 * test/support/registry.ts). Both start at the same time: each is a JVM that spends seconds loading classes.
 *
 * Where the broker comes from, first match wins:
 *   1. env KAFKA_BROKERS (comma-separated): someone else's broker, used as is and never stopped.
 *   2. testcontainers, where a container runtime answers (a developer laptop with Docker).
 *   3. a local broker from Maven jars (scripts/kafka/): these machines and CI have no Docker engine.
 * env KAFKA_TEST_SOURCE=local skips step 2, e.g. to test against the same Kafka version as CI on a Docker laptop.
 *
 * Where the registry comes from, first match wins:
 *   1. env SCHEMA_REGISTRY_URL (the Confluent-compatible base URL): used as is; unreachable fails the run.
 *   2. testcontainers (apicurio/apicurio-registry, or env SCHEMA_REGISTRY_TEST_IMAGE), where a runtime answers.
 *   3. a local Apicurio Registry from Maven Central (scripts/registry/) on a Java 21+ found on the machine.
 * When none can be had, the registry tests are skipped with the reason (`schemaRegistrySkipReason`), printed here.
 */
import type { TestProject } from 'vitest/node';
import { startLocalBroker } from '../scripts/kafka/index.js';
import {
  CCOMPAT_PATH,
  registryImage,
  resolveRegistryVersion,
  startLocalRegistry,
  type LocalRegistryOptions,
} from '../scripts/registry/index.js';
import { isDevToolError } from '../scripts/support/index.js';

export type KafkaSource = 'env' | 'testcontainers' | 'local';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap addresses. */
    kafkaBrokers: string;
    kafkaSource: KafkaSource;
    /** The Confluent-compatible registry base URL; '' when no registry could be had (see the skip reason). */
    schemaRegistryUrl: string;
    /** Why there is no registry; '' when there is one. */
    schemaRegistrySkipReason: string;
  }
}

/** cp-kafka 7.9 is Kafka 3.9; override with env KAFKA_TEST_IMAGE. */
const DEFAULT_TEST_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const RUNTIME_PROBE_TIMEOUT_MS = 10_000;
const REGISTRY_PROBE_TIMEOUT_MS = 10_000;

interface Provided {
  describe: string;
  teardown: () => Promise<void>;
}

interface ProvidedBroker extends Provided {
  brokers: string;
  source: KafkaSource;
}

interface ProvidedRegistry extends Provided {
  url: string;
}

export type RegistryChoice = ProvidedRegistry | { skipReason: string };

function log(message: string): void {
  process.stderr.write(`[kafka] ${message}\n`);
}

function logRegistry(message: string): void {
  process.stderr.write(`[registry] ${message}\n`);
}

let runtimeProbe: Promise<boolean> | undefined;

/** Whether a Docker/Podman engine answers; asked once for both services. */
function containerRuntimeAnswers(): Promise<boolean> {
  runtimeProbe ??= (async () => {
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
      return true;
    } catch {
      // No runtime is an answer, not an error: the caller falls back to local JVMs.
      return false;
    } finally {
      clearTimeout(timer);
    }
  })();
  return runtimeProbe;
}

async function fromTestcontainers(): Promise<ProvidedBroker | undefined> {
  if (!(await containerRuntimeAnswers())) return undefined;
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

/** Someone else's registry: it must answer now, or every registry test would fail one by one, slowly. */
async function registryFromEnv(url: string): Promise<ProvidedRegistry> {
  const base = url.replace(/\/+$/, '');
  const probe = `${base}/subjects`;
  let status: number;
  try {
    const response = await fetch(probe, { signal: AbortSignal.timeout(REGISTRY_PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    status = response.status;
  } catch (error) {
    // fetch says only "fetch failed"; the cause says refused, unknown host or timed out.
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    throw new Error(`SCHEMA_REGISTRY_URL=${url} is set but GET ${probe} failed: ${String(error)}${cause}`, {
      cause: error,
    });
  }
  if (status < 200 || status >= 300) {
    throw new Error(`SCHEMA_REGISTRY_URL=${url} is set but GET ${probe} answered ${status}, not 2xx`);
  }
  return { url: base, describe: `SCHEMA_REGISTRY_URL=${base}`, teardown: async () => {} };
}

async function registryFromTestcontainers(): Promise<ProvidedRegistry> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image = process.env['SCHEMA_REGISTRY_TEST_IMAGE'] ?? registryImage(resolveRegistryVersion(undefined));
  const container = await new GenericContainer(image)
    .withExposedPorts(8080)
    // Health is on the unexposed management port; the API answering is what the tests need anyway.
    .withWaitStrategy(Wait.forHttp(`${CCOMPAT_PATH}/subjects`, 8080).forStatusCode(200))
    .start();
  const url = `http://${container.getHost()}:${container.getMappedPort(8080)}${CCOMPAT_PATH}`;
  return {
    url,
    describe: `testcontainers ${image} at ${url}`,
    teardown: async () => {
      await container.stop();
    },
  };
}

async function registryFromLocal(options: LocalRegistryOptions): Promise<ProvidedRegistry> {
  const registry = await startLocalRegistry({ onProgress: logRegistry, ...options });
  return {
    url: registry.url,
    describe: `local Apicurio Registry on ${registry.javaVersion} at ${registry.url} (log: ${registry.logFile})`,
    teardown: () => registry.stop(),
  };
}

/** The first line of an error: a JVM start failure carries a log tail, which belongs in the log, not in a name. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/**
 * The registry for this run, or why there is none. Throws when SCHEMA_REGISTRY_URL is set and does not answer
 * (someone asked for that registry), and when a local registry could run (Java 21+ found) but failed to start:
 * silently skipping would hide either. `local` is for tests of this
 * function (a Java search that finds nothing).
 */
export async function chooseRegistry(local: LocalRegistryOptions = {}): Promise<RegistryChoice> {
  const fromEnv = process.env['SCHEMA_REGISTRY_URL']?.trim();
  if (fromEnv) return registryFromEnv(fromEnv);
  const failures: string[] = [];
  if (await containerRuntimeAnswers()) {
    try {
      return await registryFromTestcontainers();
    } catch (error) {
      // A failed pull or start: the local registry may still work, and its failure would then be the news.
      logRegistry(`testcontainers registry failed, trying a local one: ${String(error)}`);
      failures.push(`the testcontainers registry failed (${firstLine(error)})`);
    }
  } else {
    failures.push('no container runtime answered');
  }
  try {
    return await registryFromLocal(local);
  } catch (error) {
    // Only a machine that cannot run the registry at all (no Java 21+) skips its tests. A registry that could
    // run but failed to start is a broken setup, and a skip would hide it: fail the run, with the JVM's log tail.
    if (!isDevToolError(error, 'JAVA_NOT_FOUND')) throw error;
    failures.push(`the local Apicurio Registry cannot run here: ${firstLine(error)}`);
  }
  return { skipReason: `no schema registry: SCHEMA_REGISTRY_URL is not set, ${failures.join(', and ')}` };
}

async function timed<T>(start: () => Promise<T>): Promise<{ value: T; seconds: string }> {
  const started = Date.now();
  const value = await start();
  return { value, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [brokerOutcome, registryOutcome] = await Promise.allSettled([timed(chooseBroker), timed(chooseRegistry)]);
  if (brokerOutcome.status === 'rejected' || registryOutcome.status === 'rejected') {
    // Whatever did start must not outlive a setup that fails.
    const started = [brokerOutcome, registryOutcome].flatMap((outcome) =>
      outcome.status === 'fulfilled' && 'teardown' in outcome.value.value ? [outcome.value.value] : [],
    );
    // allSettled: a failed stop must not replace the start failure, which is the news.
    await Promise.allSettled(started.map((service) => service.teardown()));
    if (brokerOutcome.status === 'rejected') throw brokerOutcome.reason;
    if (registryOutcome.status === 'rejected') throw registryOutcome.reason;
  }
  const { value: broker, seconds: brokerSeconds } = brokerOutcome.value;
  log(`using ${broker.describe} (${broker.source}, ready in ${brokerSeconds} s)`);
  project.provide('kafkaBrokers', broker.brokers);
  project.provide('kafkaSource', broker.source);

  const { value: registry, seconds: registrySeconds } = registryOutcome.value;
  if ('skipReason' in registry) {
    logRegistry(`SKIPPING the schema registry tests: ${registry.skipReason}`);
    project.provide('schemaRegistryUrl', '');
    project.provide('schemaRegistrySkipReason', registry.skipReason);
  } else {
    logRegistry(`using ${registry.describe} (ready in ${registrySeconds} s)`);
    project.provide('schemaRegistryUrl', registry.url);
    project.provide('schemaRegistrySkipReason', '');
  }
  return async () => {
    const services: Provided[] = [broker, ...('teardown' in registry ? [registry] : [])];
    // Both are stopped even when one stop fails; the first failure is reported after.
    const stops = await Promise.allSettled(services.map((service) => service.teardown()));
    const failed = stops.find((stop) => stop.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  };
}
