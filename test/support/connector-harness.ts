/**
 * Runs the real connector (config loader, MSAL, undici, dedup, Avro, kafkajs) against the Graph simulator and a
 * real Kafka broker, and reads the topic back with a plain Avro reader built from the .avsc file alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import avro from 'avsc';
import { stringify } from 'yaml';
import { loadConfig, type ConnectorConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createWorker, type Worker } from '../../src/pipeline/index.js';
import { startGraphSimulator, type GraphSimulator, type GraphSimulatorOptions } from '../../src/simulator/index.js';
import {
  kafkaBrokers,
  readMessages,
  uniqueTopic,
  waitForTopic,
  type ReadMessage,
  type ReadMessagesOptions,
} from './kafka.js';

const schemaText = readFileSync(new URL('../../schemas/presence-change.avsc', import.meta.url), 'utf8');
/** A reader that knows nothing of the connector's code: only the published contract. */
export const contractReader = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);

export interface DecodedEvent {
  eventId: string;
  kind: string;
  userId: string;
  tenantId: string;
  shard: string;
  availability: string;
  activity: string;
  sequenceNumber: string | null;
  previousAvailability: string | null;
  previousActivity: string | null;
  previousSequenceNumber: string | null;
  observedAt: number;
  previousObservedAt: number | null;
  connector: string;
  statusMessage: { content: string | null } | null;
  outOfOffice: { isOutOfOffice: boolean; message: string | null } | null;
  workLocation: { workLocationType: string | null } | null;
}

export function decode(message: ReadMessage): DecodedEvent {
  if (message.value === null) throw new Error(`message at offset ${message.offset} has no value`);
  return contractReader.fromBuffer(message.value) as DecodedEvent;
}

export interface HarnessOptions {
  userCount: number;
  simulator?: GraphSimulatorOptions;
  /** Splits the simulator's user ids into shards; default one shard "all". */
  shards?: (userIds: string[]) => Array<{ name: string; users: string[] }>;
  /** Settings merged over the generated config file (deep for graph/kafka/polling). */
  settings?: {
    graph?: Record<string, unknown>;
    kafka?: Record<string, unknown>;
    polling?: Record<string, unknown>;
    shutdown?: Record<string, unknown>;
    /** Default static (this worker polls every shard); the scale-out tests set dynamic. */
    assignment?: Record<string, unknown>;
    /** Default: metrics/health server off (httpPort 0). */
    observability?: Record<string, unknown>;
    /** Default: none (plain Avro values). */
    schemaRegistry?: Record<string, unknown>;
    /** Default: none (only the listed shards). A function gets the simulator, for its group ids. */
    discovery?: Record<string, unknown> | ((simulator: GraphSimulator) => Record<string, unknown>);
  };
  brokers?: string[];
  /** Default: unique per harness. Two harnesses with one name share state and fence each other. */
  connectorName?: string;
}

export interface Harness {
  simulator: GraphSimulator;
  config: ConnectorConfig;
  configFile: string;
  topic: string;
  worker: Worker;
  /** Every log line the worker wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  /** Reads the connector's topic from the beginning. */
  read(options?: ReadMessagesOptions): Promise<DecodedEvent[]>;
  /**
   * Reads the topic until every user's latest event carries the presence the simulator shows now, and returns
   * all events; fails naming the users still behind after `timeoutMs`.
   */
  readUntilCaughtUp(timeoutMs?: number): Promise<DecodedEvent[]>;
  /** Waits until the simulator has answered at least `count` more presence requests than now. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const simulator = await startGraphSimulator({
    userCount: options.userCount,
    autoChurn: false,
    recordServedPresences: true,
    ...options.simulator,
  });
  const dir = mkdtempSync(join(tmpdir(), 'presence-it-'));
  const topic = uniqueTopic('presence');
  const configFile = writeConfigFile(dir, simulator, topic, options);
  const config = loadConfig({ file: configFile, env: { PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret } });
  const rawLogs: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        rawLogs.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const worker = createWorker(config, { logger, random: () => 0 });
  let stopped = false;
  return {
    simulator,
    config,
    configFile,
    topic,
    worker,
    logs,
    rawLogs,
    read: async (readOptions) => {
      const brokers = options.brokers ?? kafkaBrokers();
      // The connector creates its topic at start; a reader that comes first waits for it.
      await waitForTopic(topic, { brokers, timeoutMs: 60_000 });
      return (await readMessages(topic, { brokers, ...readOptions })).map(decode);
    },
    readUntilCaughtUp: async (timeoutMs = 60_000) => {
      const brokers = options.brokers ?? kafkaBrokers();
      await waitForTopic(topic, { brokers, timeoutMs });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const events = (await readMessages(topic, { brokers, idleMs: 2_000, timeoutMs })).map(decode);
        const latest = new Map(events.map((event) => [event.userId, event.sequenceNumber]));
        const behind = simulator
          .userIds()
          .filter((id) => latest.get(id) !== (simulator.getPresence(id).sequenceNumber ?? null));
        if (behind.length === 0) return events;
        if (Date.now() > deadline)
          throw new Error(`${behind.length} users behind the simulator, e.g. ${behind.slice(0, 5).join(', ')}`);
        await sleep(1_000);
      }
    },
    waitForRequests: async (count, timeoutMs = 30_000) => {
      const target = presenceRequests(simulator) + count;
      const deadline = Date.now() + timeoutMs;
      while (presenceRequests(simulator) < target) {
        if (Date.now() > deadline)
          throw new Error(`simulator saw ${presenceRequests(simulator)} requests, waited for ${target}`);
        await sleep(50);
      }
    },
    dispose: async () => {
      if (!stopped) {
        stopped = true;
        await worker.stop();
      }
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function presenceRequests(simulator: GraphSimulator): number {
  return simulator.recording.counters().presenceRequests;
}

function writeConfigFile(dir: string, simulator: GraphSimulator, topic: string, options: HarnessOptions): string {
  const caFile = join(dir, 'simulator-ca.pem');
  writeFileSync(caFile, simulator.caCertificatePem);
  const ids = simulator.userIds();
  const shards = options.shards?.(ids) ?? [{ name: 'all', users: ids }];
  const file = join(dir, 'connector.yaml');
  const document = {
    // Its own name per run: the state topic and transactional ids derive from it.
    connectorName: options.connectorName ?? `it-${topic.slice(-8)}`,
    tenant: { id: simulator.tenantId, clientId: simulator.clientId },
    graph: {
      cloud: 'custom',
      graphUrl: simulator.graphUrl,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      caFile,
      concurrency: 4,
      requestTimeoutMs: 5_000,
      backoff: { initialMs: 100, maxMs: 1_000, maxAttempts: 3 },
      ...options.settings?.graph,
    },
    kafka: {
      brokers: options.brokers ?? kafkaBrokers(),
      topic,
      partitions: 3,
      ...options.settings?.kafka,
    },
    polling: { intervalSeconds: 1, startJitterSeconds: 0, ...options.settings?.polling },
    shutdown: { timeoutSeconds: 10, ...options.settings?.shutdown },
    assignment: { mode: 'static', ...options.settings?.assignment },
    observability: { logLevel: 'debug', httpPort: 0, ...options.settings?.observability },
    ...(options.settings?.schemaRegistry === undefined ? {} : { schemaRegistry: options.settings.schemaRegistry }),
    ...discoveryOf(simulator, options.settings?.discovery),
    shards,
  };
  writeFileSync(file, stringify(document));
  return file;
}

function discoveryOf(
  simulator: GraphSimulator,
  discovery: NonNullable<HarnessOptions['settings']>['discovery'],
): { discovery?: Record<string, unknown> } {
  if (discovery === undefined) return {};
  return { discovery: typeof discovery === 'function' ? discovery(simulator) : discovery };
}
