/**
 * Runs the real CLI (`node --import tsx src/cli/main.ts ...`) as a child process, the way an operator or a
 * container runs it, and collects its output line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { GraphSimulator } from '../../src/simulator/index.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(PROJECT_ROOT, 'src', 'cli', 'main.ts');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  readonly child: ChildProcess;
  stdoutLines(): string[];
  stderrText(): string;
  /** Resolves with the first line (stdout or stderr, as chosen) matching `pattern`; rejects on exit or timeout. */
  waitForLine(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<string>;
  readonly exited: Promise<Exit>;
  /** Runs `work`; if it fails, the error also shows the last lines the process printed. */
  explain<T>(work: Promise<T>): Promise<T>;
  /** Sends `signal` and waits for the exit; reports how long that took. */
  stop(signal?: NodeJS.Signals): Promise<Exit & { ms: number }>;
}

/** The parent's environment minus PRESENCE_* settings, so that nothing of the machine leaks into a test. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('PRESENCE_')) env[name] = value;
  }
  return { ...env, ...extra };
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: PROJECT_ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const partial = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const parts = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = parts.pop() ?? '';
    lines[stream].push(...parts);
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') lines[stream].push(partial[stream]);
      }
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const describe = (): string =>
    `\n--- stdout (last 30 lines) ---\n${lines.stdout.slice(-30).join('\n')}\n--- stderr (last 30 lines) ---\n${lines.stderr.slice(-30).join('\n')}`;

  return {
    child,
    exited,
    stdoutLines: () => lines.stdout.filter((line) => line !== ''),
    stderrText: () => lines.stderr.join('\n'),
    waitForLine: (pattern, stream = 'stdout', timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`no ${stream} line matching ${pattern} within ${timeoutMs} ms${describe()}`)),
          timeoutMs,
        );
        const check = (): void => {
          const line = lines[stream].find((candidate) => pattern.test(candidate));
          if (line !== undefined) finish(undefined, line);
          else if (hasExited)
            finish(new Error(`exited before printing a ${stream} line matching ${pattern}${describe()}`));
        };
        const finish = (error: Error | undefined, line?: string): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined && line !== undefined) resolve(line);
          else reject(error);
        };
        waiters.add(check);
        check();
      }),
    explain: (work) =>
      work.catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}${describe()}`, { cause: error });
      }),
    stop: async (signal = 'SIGTERM') => {
      const started = Date.now();
      child.kill(signal);
      const exit = await exited;
      return { ...exit, ms: Date.now() - started };
    },
  };
}

/** Runs a command to its end (or kills it after `timeoutMs`). */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 45_000,
): Promise<Exit & { stdout: string[]; stderr: string }> {
  const cli = startCli(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    const exit = await cli.exited;
    return { ...exit, stdout: cli.stdoutLines(), stderr: cli.stderrText() };
  } finally {
    clearTimeout(timer);
  }
}

export interface TempDir {
  path: string;
  file(name: string, content: string): string;
  remove(): void;
}

export function tempDir(prefix = 'presence-cli-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name, content) => {
      const file = join(path, name);
      writeFileSync(file, content);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** A connector config for `simulator`, written into `dir`; `overrides` are merged per section. */
export function simulatorConfig(
  dir: TempDir,
  simulator: GraphSimulator,
  kafka: { brokers: string[]; topic: string },
  overrides: Record<string, Record<string, unknown>> = {},
): string {
  const caFile = dir.file('simulator-ca.pem', simulator.caCertificatePem);
  const document = {
    // Unique: the connector names its state topic and worker group after it, and those outlive a test run.
    connectorName: `cli-test-${randomBytes(4).toString('hex')}`,
    tenant: { id: simulator.tenantId, clientId: simulator.clientId },
    graph: {
      cloud: 'custom',
      graphUrl: simulator.graphUrl,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      caFile,
      ...overrides['graph'],
    },
    kafka: { ...kafka, partitions: 3, ...overrides['kafka'] },
    polling: { intervalSeconds: 1, startJitterSeconds: 0, ...overrides['polling'] },
    shutdown: { timeoutSeconds: 5, ...overrides['shutdown'] },
    observability: { logLevel: 'debug', httpPort: 0, ...overrides['observability'] },
    shards: [{ name: 'all', users: simulator.userIds() }],
  };
  return dir.file('connector.yaml', stringify(document));
}
