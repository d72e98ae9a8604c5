/** The connector as operators run it: `run --config FILE` in its own Node process, logs read from stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { startHarness, type Harness, type HarnessOptions } from './connector-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Every JSON log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  exited(): Promise<number | null>;
}

const running = new Set<ChildProcess>();
// A test that fails half-way must not leave workers polling and publishing behind it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills every worker process the tests of this file started and that still runs. */
export function killWorkerProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function startWorkerProcess(
  harness: Harness,
  options: { logLevel?: string; env?: Record<string, string>; args?: string[]; stderr?: 'inherit' | 'pipe' } = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'run', '--config', harness.configFile, ...(options.args ?? [])],
    {
      env: {
        ...process.env,
        PRESENCE_TENANT_CLIENT_SECRET: harness.simulator.clientSecret,
        PRESENCE_OBSERVABILITY_LOG_LEVEL: options.logLevel ?? 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', options.stderr ?? 'inherit'],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  const logs: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  return {
    child,
    logs,
    exited: () =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

/**
 * For a describe block whose tests start harnesses and worker processes: the returned function starts a harness,
 * and after each test every worker process is killed and every harness started so is disposed.
 */
export function harnessesDisposedAfterEach(): (options: HarnessOptions) => Promise<Harness> {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    killWorkerProcesses();
    for (const harness of harnesses.splice(0)) await harness.dispose();
  });
  return async (options) => {
    const harness = await startHarness(options);
    harnesses.push(harness);
    return harness;
  };
}
