/**
 * `npm run bench` (about 10-15 min on 2 cores) or `npm run bench -- --quick` (under 2 min): starts a Kafka broker
 * (startLocalBroker) and runs every scenario in its own child process against it, each with its own simulator
 * child; prints one table and writes it as JSON to bench/results/latest.json plus a dated copy.
 *
 *   --quick            smaller populations, fewer repetitions; the quick variants of the longer studies (takeover,
 *                      soak, the end-to-end variants, memory, discovery) only when `--only` names them
 *   --only a,b         only the steps whose label starts with one of these (kafka, e2e, scale, budget, memory)
 *   --brokers h:p      use a running broker instead of starting one (its CPU is then not reported)
 *
 * Method and meaning of every figure: BENCHMARKS.md.
 */
import { fork } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_KAFKA_VERSION, startLocalBroker, type LocalBroker } from '../scripts/kafka/index.js';
import { childPids } from './lib/proc.js';
import type { FigureRow, ScenarioContext, ScenarioMessage, ScenarioResult } from './lib/scenario.js';
import { derivedRows } from './lib/derived.js';
import { formatTable } from './lib/table.js';
import { planSteps, type Step } from './plan.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const CHILD = fileURLToPath(new URL('./lib/scenario-child.ts', import.meta.url));

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    brokers: { type: 'string' },
  },
  strict: true,
});
const quick = values.quick ?? false;
const only = values.only
  ?.split(',')
  .map((label) => label.trim())
  .filter((label) => label !== '');

export interface StepOutcome {
  label: string;
  scenario: string;
  params: Record<string, unknown>;
  seconds: number;
  result?: ScenarioResult;
  error?: string;
}

/**
 * The steps `--only` names (by label prefix) and, transitively, the steps they need; without `--only`, every step
 * that is not `onlyWhenNamed`.
 */
function selectedSteps(steps: readonly Step[], prefixes: readonly string[] | undefined): Step[] {
  if (prefixes === undefined) return steps.filter((step) => step.onlyWhenNamed !== true);
  const wanted = new Set(
    steps.filter((step) => prefixes.some((prefix) => step.label.startsWith(prefix))).map((step) => step.label),
  );
  for (let grew = true; grew;) {
    grew = false;
    for (const step of steps) {
      if (!wanted.has(step.label)) continue;
      for (const need of step.needs ?? []) {
        if (!wanted.has(need)) {
          wanted.add(need);
          grew = true;
        }
      }
    }
  }
  return steps.filter((step) => wanted.has(step.label));
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function runStep(
  step: Step,
  context: Omit<ScenarioContext, 'params'>,
  params: Record<string, unknown>,
): Promise<StepOutcome> {
  const started = performance.now();
  const outcome = (extra: Partial<StepOutcome>): StepOutcome => ({
    label: step.label,
    scenario: step.scenario,
    params,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    ...extra,
  });
  return new Promise((resolve) => {
    const child = fork(CHILD, [step.scenario, JSON.stringify({ ...context, params })], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled: StepOutcome | undefined;
    const timer = setTimeout(() => {
      settled ??= outcome({ error: `timed out after ${step.timeoutSeconds} s` });
      child.kill('SIGKILL');
    }, step.timeoutSeconds * 1000);
    child.on('message', (message: ScenarioMessage) => {
      if (message.kind === 'progress') log(`${step.label}: ${message.message}`);
      else if (message.kind === 'result') settled ??= outcome({ result: message.result });
      else settled ??= outcome({ error: `${message.message}\n${message.stack ?? ''}` });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(settled ?? outcome({ error: `the scenario process exited with ${code} without a result` }));
    });
  });
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function machine(kafkaVersion: string, loadAverageAtStart: string): Record<string, string | number> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const kafkajs = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    nproc: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    node: process.version,
    kafka: kafkaVersion,
    kafkajs: kafkajs.version,
    // Other users of this machine run tests beside the bench: the load says how much they took.
    loadAverageAtStart,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAverageAtStart = loadAverage();
  const kafkaVersion = process.env['KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
  let broker: LocalBroker | undefined;
  let brokers: string[];
  let brokerPid: number | undefined;
  if (values.brokers !== undefined) {
    brokers = values.brokers.split(',');
  } else {
    log(`starting a Kafka ${kafkaVersion} broker (startLocalBroker)`);
    broker = await startLocalBroker({ onProgress: log, jvmOptions: ['-Xms512m', '-Xmx1g'] });
    brokers = broker.brokers;
    brokerPid = childPids(process.pid, 'java')[0];
    log(`broker at ${brokers.join(',')} (pid ${brokerPid ?? '?'}) after ${Math.round(performance.now() - started)} ms`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const context = { brokers, brokerPid, quick, resultsDir: RESULTS_DIR };
  const outcomes: StepOutcome[] = [];
  try {
    for (const step of selectedSteps(planSteps(quick), only)) {
      const params = step.params(outcomes);
      log(`${step.label}: starting (${JSON.stringify(params)})`);
      const outcome = await runStep(step, context, params);
      log(
        `${step.label}: ${outcome.error === undefined ? 'done' : `FAILED: ${outcome.error}`} in ${outcome.seconds} s`,
      );
      outcomes.push(outcome);
    }
  } finally {
    await broker?.dispose();
  }

  const rows: FigureRow[] = [
    ...outcomes.flatMap((outcome) => outcome.result?.rows ?? []),
    ...derivedRows(outcomes),
    ...outcomes
      .filter((outcome) => outcome.error !== undefined)
      .map((outcome): FigureRow => ({
        section: 'error',
        figure: outcome.label,
        value: null,
        unit: '',
        note: outcome.error?.split('\n')[0] ?? '',
      })),
  ];
  const totalSeconds = Math.round((performance.now() - started) / 1000);
  const report = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    totalSeconds,
    machine: machine(kafkaVersion, loadAverageAtStart),
    loadAverageAtEnd: loadAverage(),
    table: rows,
    steps: outcomes,
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(RESULTS_DIR, 'latest.json'), text);
  // The dated copy keeps a full run's figures after a later --quick run has replaced latest.json.
  writeFileSync(join(RESULTS_DIR, `${report.generatedAt.slice(0, 19).replace(/:/g, '-')}-${report.mode}.json`), text);
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stdout.write(`\n${report.mode} run: ${totalSeconds} s; machine ${JSON.stringify(report.machine)}\n`);
  process.stdout.write('results: bench/results/latest.json (and a dated copy beside it)\n');
  if (outcomes.some((outcome) => outcome.error !== undefined)) process.exitCode = 1;
}

await main();
