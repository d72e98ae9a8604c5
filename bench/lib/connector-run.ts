/**
 * Runs the real worker (config loader, MSAL, undici, dedup, Avro, kafkajs) in this process against a simulator
 * child and the bench's broker, and turns its own logs into timed samples: the worker reports each poll cycle's
 * duration, measured from the cycle's start until every batch of it was acknowledged by Kafka, which is exactly
 * the figure the benchmarks want, so nothing is instrumented beyond what production logs.
 *
 * Like test/support/connector-harness.ts, but without vitest (that harness reads the broker through inject()).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { loadConfig, type ConnectorConfig } from '../../src/config/index.js';
import { ConnectorMetrics, createLogger } from '../../src/observability/index.js';
import { createWorker, type Worker } from '../../src/pipeline/index.js';
import { userIds } from '../../src/simulator/index.js';
import { processCpuSeconds, selfCpuSeconds } from './proc.js';
import type { SimulatorInfo } from './simulator-protocol.js';

export interface CpuSnapshot {
  /** This process: the worker and the little the bench adds to it. */
  self: number;
  simulator: number | null;
  broker: number | null;
}

export interface CycleSample {
  index: number;
  durationMs: number;
  batches: number;
  failedBatches: number;
  /** performance.now() when the worker reported the cycle. */
  endedAt: number;
  cpu: CpuSnapshot;
  /** Events Kafka acknowledged since the worker started, read when the cycle ended. */
  eventsTotal: Promise<number>;
  committedTransactionsTotal: Promise<number>;
}

export interface RestoreSample {
  /**
   * From start() to the worker reporting its shards owned and polling: connect, join the shard group (the
   * default dynamic assignment), fence the shard's producer, read the state partition, fill the store.
   */
  startToRestoredMs: number;
  /** From start() to "connected to Kafka" (topics checked, delivery mode settled). */
  startToConnectedMs: number;
  /** The worker's own timing of the restore: reading the state partition, decoding, filling the store. */
  readStateMs: number;
  records: number;
  users: number;
}

export interface ConnectorRunOptions {
  simulator: SimulatorInfo;
  simulatorPid: number;
  brokers: string[];
  brokerPid: number | undefined;
  userCount: number;
  connectorName: string;
  topic: string;
  graph?: Record<string, unknown>;
  kafka?: Record<string, unknown>;
  polling?: Record<string, unknown>;
}

export interface ConnectorRun {
  readonly worker: Worker;
  readonly config: ConnectorConfig;
  readonly metrics: ConnectorMetrics;
  readonly cycles: readonly CycleSample[];
  /** Warnings and errors the worker logged (cycle overruns excluded; they are counted apart). */
  readonly problems: string[];
  readonly overruns: number;
  /** Resolves with the next cycle that ends after this call. */
  nextCycle(timeoutMs: number): Promise<CycleSample>;
  /**
   * Runs `hook` synchronously when the next cycle ends, before the worker can start the following one, and
   * resolves with that cycle. With an interval shorter than a cycle the next cycle starts right after: the
   * hook is the only moment between two cycles.
   */
  atNextCycleEnd(timeoutMs: number, hook: (sample: CycleSample) => void): Promise<CycleSample>;
  start(): Promise<RestoreSample>;
  cpuNow(): CpuSnapshot;
  stop(): Promise<void>;
}

interface LogLine {
  msg?: string;
  level?: number;
  durationMs?: number;
  batches?: number;
  failedBatches?: number;
  records?: number;
  restored?: number;
  users?: number;
  ms?: number;
}

const PINO_WARN = 40;

export function createConnectorRun(options: ConnectorRunOptions): ConnectorRun {
  const dir = mkdtempSync(join(tmpdir(), 'presence-bench-'));
  const configFile = writeConfig(dir, options);
  const config = loadConfig({
    file: configFile,
    env: { PRESENCE_TENANT_CLIENT_SECRET: options.simulator.clientSecret },
  });
  const metrics = new ConnectorMetrics();
  const cycles: CycleSample[] = [];
  const problems: string[] = [];
  const cycleWaiters: Array<(sample: CycleSample) => void> = [];
  const cycleHooks: Array<(sample: CycleSample) => void> = [];
  let overruns = 0;
  let readState: { ms: number; records: number; users: number } | undefined;
  let connectedAt: number | undefined;
  let ownedAt: number | undefined;
  const ownedWaiters: Array<() => void> = [];

  const cpuNow = (): CpuSnapshot => ({
    self: selfCpuSeconds(),
    simulator: processCpuSeconds(options.simulatorPid),
    broker: processCpuSeconds(options.brokerPid),
  });

  // Called synchronously from inside the worker's onCycle hook (pino writes to this stream at once), so the
  // CPU snapshot and the counters are taken before the next cycle can start.
  const onLine = (line: string): void => {
    if (line.includes('"poll cycle finished"')) {
      const entry = JSON.parse(line) as LogLine;
      const sample: CycleSample = {
        index: cycles.length,
        durationMs: entry.durationMs ?? Number.NaN,
        batches: entry.batches ?? 0,
        failedBatches: entry.failedBatches ?? 0,
        endedAt: performance.now(),
        cpu: cpuNow(),
        eventsTotal: counterTotal(metrics.eventsPublished),
        committedTransactionsTotal: counterTotal(metrics.kafkaTransactions, 'committed'),
      };
      cycles.push(sample);
      for (const hook of cycleHooks.splice(0)) hook(sample);
      for (const waiter of cycleWaiters.splice(0)) waiter(sample);
      return;
    }
    if (line.includes('"msg":"restored the state of the shards taken over')) {
      const entry = JSON.parse(line) as LogLine;
      readState = { ms: entry.ms ?? Number.NaN, records: entry.records ?? 0, users: entry.users ?? 0 };
      return;
    }
    if (line.includes('"connected to Kafka"')) connectedAt ??= performance.now();
    if (line.includes('"polling these shards"')) {
      ownedAt ??= performance.now();
      for (const waiter of ownedWaiters.splice(0)) waiter();
    }
    if (line.includes('took longer than the interval')) {
      overruns++;
      return;
    }
    const entry = JSON.parse(line) as LogLine;
    if ((entry.level ?? 0) >= PINO_WARN && problems.length < 50) problems.push(entry.msg ?? line);
  };
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') onLine(line);
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const worker = createWorker(config, { logger, metrics, random: () => 0 });

  return {
    worker,
    config,
    metrics,
    cycles,
    problems,
    get overruns() {
      return overruns;
    },
    cpuNow,
    atNextCycleEnd(timeoutMs, hook) {
      cycleHooks.push(hook);
      return this.nextCycle(timeoutMs);
    },
    nextCycle(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no poll cycle ended within ${timeoutMs} ms; worker said: ${problems.slice(-3).join(' | ')}`),
            ),
          timeoutMs,
        );
        cycleWaiters.push((sample) => {
          clearTimeout(timer);
          resolve(sample);
        });
      });
    },
    async start() {
      const started = performance.now();
      // With dynamic assignment start() returns once the worker joined the group; the shards come after.
      const owned = new Promise<void>((resolve) => ownedWaiters.push(resolve));
      await worker.start();
      await owned;
      return {
        startToRestoredMs: (ownedAt ?? Number.NaN) - started,
        startToConnectedMs: (connectedAt ?? Number.NaN) - started,
        readStateMs: readState?.ms ?? Number.NaN,
        records: readState?.records ?? 0,
        users: readState?.users ?? 0,
      };
    },
    async stop() {
      try {
        await worker.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function counterTotal(
  counter: { get(): Promise<{ values: Array<{ value: number; labels: Partial<Record<string, string | number>> }> }> },
  outcome?: string,
): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((entry) => outcome === undefined || entry.labels['outcome'] === outcome)
    .reduce((sum, entry) => sum + entry.value, 0);
}

function writeConfig(dir: string, options: ConnectorRunOptions): string {
  const caFile = join(dir, 'simulator-ca.pem');
  writeFileSync(caFile, options.simulator.caCertificatePem);
  // A user-id file, not an inline list: the loader scans it as bytes, where a million-item YAML list would dominate start-up.
  const usersFile = join(dir, 'users.txt');
  writeFileSync(usersFile, `${userIds(options.userCount).join('\n')}\n`);
  const file = join(dir, 'connector.yaml');
  const document = {
    connectorName: options.connectorName,
    tenant: { id: options.simulator.tenantId, clientId: options.simulator.clientId },
    graph: {
      cloud: 'custom',
      graphUrl: options.simulator.graphUrl,
      authorityUrl: new URL(options.simulator.authorityUrl).origin,
      caFile,
      requestTimeoutMs: 30_000,
      backoff: { initialMs: 100, maxMs: 1_000, maxAttempts: 3 },
      ...options.graph,
    },
    kafka: { brokers: options.brokers, topic: options.topic, ...options.kafka },
    polling: { intervalSeconds: 1, startJitterSeconds: 0, ...options.polling },
    shutdown: { timeoutSeconds: 60 },
    observability: { logLevel: 'debug', httpPort: 0 },
    shards: [{ name: 'all', usersFile }],
  };
  writeFileSync(file, stringify(document));
  return file;
}
