/**
 * The soak's worker, run as operators run it: `presence run --config FILE` (src/cli/main.ts) in a Node process of
 * its own, so that its /proc figures (RSS, file descriptors, sockets) are its own and not the bench's. Its
 * metrics endpoint (Prometheus text on observability.httpPort) gives the V8 heap and the pipeline's counters; a
 * bench-only preload (soak-gc-preload.ts) gives the heap left after a full collection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '../../scripts/support/index.js';
import { userIds } from '../../src/simulator/index.js';
import type { SimulatorInfo } from './simulator-protocol.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const GC_PRELOAD = new URL('./soak-gc-preload.ts', import.meta.url).href;
const PINO_WARN = 40;

export interface SoakWorkerOptions {
  simulator: SimulatorInfo;
  brokers: string[];
  userCount: number;
  connectorName: string;
  topic: string;
  intervalSeconds: number;
}

export interface SoakWorker {
  readonly pid: number;
  readonly configFile: string;
  /** Prometheus text of the worker's /metrics. */
  metrics(): Promise<string>;
  /** The worker's V8 heap in use right after a full collection (soak-gc-preload.ts); null if it did not answer. */
  heapAfterGc(): Promise<number | null>;
  /** Warnings and errors the worker logged, by message, with how often. */
  readonly problems: Map<string, number>;
  /** True once the worker logged that it polls its shards. */
  readonly polling: boolean;
  /** The exit code once the process ended (null for a signal), undefined while it runs. */
  readonly exitCode: number | null | undefined;
  /** SIGTERM (a graceful stop, as Kubernetes does) and wait for the exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<number | null>;
}

interface LogLine {
  level?: number;
  msg?: string;
}

function writeConfig(dir: string, options: SoakWorkerOptions, httpPort: number): string {
  const caFile = join(dir, 'simulator-ca.pem');
  writeFileSync(caFile, options.simulator.caCertificatePem);
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
    },
    kafka: { brokers: options.brokers, topic: options.topic },
    // One shard: no spreading of shard starts needed (and the jitter may not exceed the interval).
    polling: { intervalSeconds: options.intervalSeconds, startJitterSeconds: 0 },
    observability: { logLevel: 'info', httpPort, httpHost: '127.0.0.1' },
    shards: [{ name: 'all', usersFile }],
  };
  writeFileSync(file, stringify(document));
  return file;
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false, so that no kept-alive connection of the bench's shows up among the worker's sockets.
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Asks the worker for a full collection and waits (up to 5 s) for the heap it reports after it. */
async function heapAfterGc(child: ChildProcess, heapFile: string): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return null;
  const askedAt = Date.now();
  child.kill('SIGUSR2');
  while (Date.now() - askedAt < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const report = readHeapReport(heapFile);
    if (report !== undefined && report.at >= askedAt) return report.heapUsedBytes;
  }
  return null;
}

function readHeapReport(heapFile: string): { heapUsedBytes: number; at: number } | undefined {
  if (!existsSync(heapFile)) return undefined;
  try {
    return JSON.parse(readFileSync(heapFile, 'utf8')) as { heapUsedBytes: number; at: number };
  } catch (error) {
    // Read while the worker was writing it: the next look gets the whole file.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export async function startSoakWorker(options: SoakWorkerOptions): Promise<SoakWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'presence-soak-'));
  const httpPort = await freePort();
  const configFile = writeConfig(dir, options, httpPort);
  const heapFile = join(dir, 'heap-after-gc.json');
  const args = ['--expose-gc', '--import', 'tsx', '--import', GC_PRELOAD, MAIN, 'run', '--config', configFile];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, PRESENCE_TENANT_CLIENT_SECRET: options.simulator.clientSecret, SOAK_HEAP_FILE: heapFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The bench going away (a crash, a timeout's SIGKILL of the scenario) must not leave a worker polling.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const problems = new Map<string, number>();
  let polling = false;
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (line.includes('"polling these shards"')) polling = true;
      const entry = JSON.parse(line) as LogLine;
      if ((entry.level ?? 0) >= PINO_WARN) {
        const message = entry.msg ?? line;
        problems.set(message, (problems.get(message) ?? 0) + 1);
      }
    }
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    pid: child.pid ?? 0,
    configFile,
    problems,
    get polling() {
      return polling;
    },
    get exitCode() {
      return exitCode;
    },
    metrics: () => get(httpPort, '/metrics'),
    heapAfterGc: () => heapAfterGc(child, heapFile),
    async stop(timeoutMs) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
