/** The connector as operators run it: `run --config FILE` in its own Node process, logs read from stdout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Harness } from './connector-harness.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Every JSON log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  exited(): Promise<number | null>;
}

export function startWorkerProcess(harness: Harness, options: { logLevel?: string; env?: Record<string, string> } = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', harness.configFile], {
    env: {
      ...process.env,
      PRESENCE_TENANT_CLIENT_SECRET: harness.simulator.clientSecret,
      PRESENCE_OBSERVABILITY_LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
