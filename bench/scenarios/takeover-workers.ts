/**
 * Worker processes for the takeover benchmark: the connector as operators run it (`run --config FILE`), each in its
 * own Node process so that SIGKILL and SIGTERM hit a real process, its shards read from its own info log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { userIds } from '../../src/simulator/index.js';
import type { SimulatorInfo } from '../lib/simulator-protocol.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface BenchWorker {
  readonly child: ChildProcess;
  /** Every JSON log line so far, parsed, with the time this process read it. */
  readonly logs: Array<Record<string, unknown>>;
  exited(): Promise<void>;
}

export interface TakeoverConfig {
  dir: string;
  simulator: SimulatorInfo;
  brokers: string[];
  connectorName: string;
  topic: string;
  shards: number;
  usersPerShard: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export function shardNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `s${String(index + 1).padStart(2, '0')}`);
}

/** Writes the workers' shared config: dynamic assignment over `shards` shards of `usersPerShard` users each. */
export function writeTakeoverConfig(config: TakeoverConfig): string {
  const caFile = join(config.dir, 'simulator-ca.pem');
  writeFileSync(caFile, config.simulator.caCertificatePem);
  const ids = userIds(config.shards * config.usersPerShard);
  const shards = shardNames(config.shards).map((name, index) => {
    const usersFile = join(config.dir, `${name}.txt`);
    writeFileSync(
      usersFile,
      `${ids.slice(index * config.usersPerShard, (index + 1) * config.usersPerShard).join('\n')}\n`,
    );
    return { name, usersFile };
  });
  const file = join(config.dir, 'connector.yaml');
  const document = {
    connectorName: config.connectorName,
    tenant: { id: config.simulator.tenantId, clientId: config.simulator.clientId },
    graph: {
      cloud: 'custom',
      graphUrl: config.simulator.graphUrl,
      authorityUrl: new URL(config.simulator.authorityUrl).origin,
      caFile,
    },
    kafka: { brokers: config.brokers, topic: config.topic },
    polling: { intervalSeconds: 2, startJitterSeconds: 0 },
    assignment: {
      mode: 'dynamic',
      sessionTimeoutMs: config.sessionTimeoutMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
    },
    observability: { logLevel: 'info', httpPort: 0 },
    shards,
  };
  writeFileSync(file, stringify(document));
  return file;
}

export function startBenchWorker(configFile: string, clientSecret: string): BenchWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', configFile], {
    env: { ...process.env, PRESENCE_TENANT_CLIENT_SECRET: clientSecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, logs, exited: () => exit };
}

/** The shards a worker last said it polls, and when it said so (the log line's own time, epoch ms). */
export function lastOwned(worker: BenchWorker): { owned: string[]; at: number } | undefined {
  const line = [...worker.logs].reverse().find((entry) => entry['msg'] === 'polling these shards');
  return line === undefined ? undefined : { owned: line['owned'] as string[], at: line['time'] as number };
}

/** The shards a worker gained and lost in the ownership changes it logged from line `from` on. */
export function movesOf(worker: BenchWorker, from: number): { gained: string[]; lost: string[] } {
  const changes = worker.logs.slice(from).filter((entry) => entry['msg'] === 'owned shards changed');
  return {
    gained: changes.flatMap((entry) => entry['gained'] as string[]),
    lost: changes.flatMap((entry) => entry['lost'] as string[]),
  };
}
