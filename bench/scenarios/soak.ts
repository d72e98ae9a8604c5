/**
 * Soak: the real worker (`run --config FILE`, a process of its own) polls a simulated tenant for a long time with
 * churn and short-lived tokens, through a broker crash and a Graph 5xx storm, against a broker of the soak's own
 * (it is restarted: never the bench's shared one). Every `sampleSeconds` it records the worker's RSS, V8 heap,
 * file descriptors and sockets; at the end it reads the topic read_committed and compares it with what the
 * simulator served. Figures: growth per minute over the second half (after warm-up and the disruptions), fd and
 * socket counts, duplicates and gaps. Method: BENCHMARKS.md, "Soak".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalBroker, type LocalBroker } from '../../scripts/kafka/index.js';
import { numberParam, progress, type FigureRow, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulatorProcess, type SimulatorProcess } from '../lib/simulator-process.js';
import { graphStorm, restartBroker, type BrokerRestart, type Storm } from '../lib/soak-events.js';
import { soakRows } from '../lib/soak-report.js';
import { metricSum, takeSample, type SoakSample } from '../lib/soak-sample.js';
import { formatRows, growthOf, TABLE_HEADER, tableRow, thinned, toCsv } from '../lib/soak-series.js';
import { checkTopic, type TimeWindow } from '../lib/soak-verify.js';
import { startSoakWorker, type SoakWorker } from '../lib/soak-worker.js';

export interface SoakPlan {
  users: number;
  minutes: number;
  intervalSeconds: number;
  /**
   * `expires_in` of the simulator's tokens. The worker's token provider (src/auth/token-provider.ts) signs in again
   * 5 min before a token expires, or at half its life if that is shorter: 420 s means a new token every 210 s
   * (320 s: every 160 s).
   */
  tokenLifetimeSeconds: number;
  changesPerMinuteShare: number;
  sampleSeconds: number;
  /** How often a sample forces a full collection in the worker to read the live heap. */
  collectEverySeconds: number;
  /** Where in the run (share of `minutes`) the broker crashes, and for how long it stays down. */
  brokerAt: number;
  brokerDownSeconds: number;
  stormAt: number;
  stormSeconds: number;
  stormShare: number;
  tableEveryMinutes: number;
}

function planOf(context: ScenarioContext): SoakPlan {
  const quick = context.quick;
  return {
    users: numberParam(context, 'users', quick ? 20_000 : 100_000),
    minutes: numberParam(context, 'minutes', quick ? 3 : 30),
    intervalSeconds: numberParam(context, 'intervalSeconds', quick ? 5 : 15),
    tokenLifetimeSeconds: numberParam(context, 'tokenLifetimeSeconds', quick ? 320 : 420),
    changesPerMinuteShare: numberParam(context, 'changesPerMinuteShare', 0.03),
    sampleSeconds: numberParam(context, 'sampleSeconds', quick ? 5 : 10),
    collectEverySeconds: numberParam(context, 'collectEverySeconds', quick ? 15 : 60),
    brokerAt: numberParam(context, 'brokerAt', 0.3),
    brokerDownSeconds: numberParam(context, 'brokerDownSeconds', quick ? 10 : 30),
    stormAt: numberParam(context, 'stormAt', 0.4),
    stormSeconds: numberParam(context, 'stormSeconds', quick ? 18 : 180),
    stormShare: numberParam(context, 'stormShare', 0.5),
    tableEveryMinutes: numberParam(context, 'tableEveryMinutes', quick ? 0.5 : 3),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitPolling(worker: SoakWorker, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!worker.polling) {
    if (worker.exitCode !== undefined) throw new Error(`the worker exited with ${worker.exitCode} before polling`);
    if (Date.now() > deadline) throw new Error(`the worker did not start polling within ${timeoutMs} ms`);
    await sleep(200);
  }
}

interface Timeline {
  broker?: BrokerRestart;
  storm?: Storm;
  phase: string;
  /** When sampling stops: `minutes` after the start, later if the disruptions ran late (see scheduleEvents). */
  endAt: number;
  eventsDone: boolean;
}

/** Share of the run that must follow the last disruption, so that the second half has a steady tail. */
const STEADY_TAIL = 0.4;

/** Until the worker finished its first poll cycle (every user read and published once): the end of warm-up. */
async function firstCycle(worker: SoakWorker, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    const text = await worker.metrics().catch(() => '');
    if ((metricSum(text, 'presence_cycle_duration_seconds_count') ?? 0) >= 1) return Date.now();
    await sleep(2_000);
  }
  throw new Error('the worker did not finish a first poll cycle before the end of the run');
}

export const soak: Scenario = async (context) => {
  const plan = planOf(context);
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const name = `soak-${plan.users}-${plan.minutes}m-${stamp}`;
  progress(`plan ${JSON.stringify(plan)}`);
  // A cold JVM on a loaded 2-core machine can take well over the default 90 s to start.
  const broker = await startLocalBroker({
    jvmOptions: ['-Xms256m', '-Xmx768m'],
    startTimeoutMs: 300_000,
    onProgress: progress,
  });
  const simulator = await startSimulatorProcess({
    userCount: plan.users,
    changesPerMinuteShare: plan.changesPerMinuteShare,
    tokenLifetimeSeconds: plan.tokenLifetimeSeconds,
    recordServedPresences: true,
  });
  let worker: SoakWorker | undefined;
  try {
    worker = await startSoakWorker({
      simulator: simulator.info,
      brokers: broker.brokers,
      userCount: plan.users,
      connectorName: name,
      topic: `${name}-events`,
      intervalSeconds: plan.intervalSeconds,
    });
    const startedAt = Date.now();
    await waitPolling(worker, 180_000);
    progress(`worker pid ${worker.pid} polling after ${Math.round((Date.now() - startedAt) / 1000)} s`);
    const timeline: Timeline = { phase: 'warm-up', endAt: startedAt + plan.minutes * 60_000, eventsDone: false };
    const events = scheduleEvents(plan, timeline, { broker, simulator, worker }, startedAt).catch((error: unknown) => {
      // Stop the sampling too: the run has failed.
      timeline.eventsDone = true;
      timeline.endAt = 0;
      throw error;
    });
    const [samples] = await Promise.all([sampleUntil(plan, timeline, worker, simulator, startedAt), events]);
    const stopAt = Date.now();
    const exitCode = await worker.stop(120_000);
    progress(`worker stopped (exit ${exitCode}) in ${Math.round((Date.now() - stopAt) / 1000)} s; reading the topic`);
    const served = await simulator.served();
    const counters = await simulator.counters();
    const check = await checkTopic({
      brokers: broker.brokers,
      topic: `${name}-events`,
      served,
      windows: windowsOf(plan, timeline, stopAt),
    });
    const files = writeSeries(context.resultsDir, name, samples);
    const endMinute = samples.at(-1)?.minute ?? plan.minutes;
    const growth = {
      rss: growthOf(samples, 'rssBytes', endMinute),
      heapUsed: growthOf(samples, 'heapUsedBytes', endMinute),
      heapAfterGc: growthOf(samples, 'heapAfterGcBytes', endMinute),
      external: growthOf(samples, 'externalBytes', endMinute),
      fds: growthOf(samples, 'fds', endMinute),
      sockets: growthOf(samples, 'sockets', endMinute),
    };
    const details = {
      plan,
      files,
      workerExitCode: exitCode,
      sampledMinutes: endMinute,
      broker: timeline.broker,
      storm: timeline.storm,
      growth,
      check,
      simulatorCounters: counters,
      workerProblems: Object.fromEntries(worker.problems),
      table: formatRows([TABLE_HEADER, ...thinned(samples, plan.tableEveryMinutes).map(tableRow)]),
      samples,
    };
    const rows: FigureRow[] = soakRows({ plan, growth, check, counters, timeline, exitCode });
    return { rows, details };
  } finally {
    await worker?.stop(30_000);
    await simulator.close();
    await broker.dispose();
  }
};

/**
 * The disruptions at their share of the run, but never before the first poll cycle ended (on a loaded machine the
 * first full read can take minutes): then all are shifted by the delay. Sampling goes on until `minutes` have
 * passed and at least STEADY_TAIL of the run has followed the last disruption.
 */
async function scheduleEvents(
  plan: SoakPlan,
  timeline: Timeline,
  parts: { broker: LocalBroker; simulator: SimulatorProcess; worker: SoakWorker },
  startedAt: number,
): Promise<void> {
  const runMs = plan.minutes * 60_000;
  const warmAt = await firstCycle(parts.worker, startedAt + runMs);
  timeline.phase = 'steady';
  progress(`first poll cycle done after ${Math.round((warmAt - startedAt) / 1000)} s`);
  const shift = Math.max(0, warmAt + plan.sampleSeconds * 1000 - (startedAt + plan.brokerAt * runMs));
  const at = (share: number): number => Math.max(0, startedAt + shift + share * runMs - Date.now());
  await sleep(at(plan.brokerAt));
  timeline.phase = 'broker-restart';
  timeline.broker = await restartBroker(parts.broker, parts.worker, plan.brokerDownSeconds, 180);
  timeline.phase = 'after-events';
  // The storm hits a worker that publishes again (a broker restart is slow on a loaded machine): two cycles on.
  await sleep(Math.max(at(plan.stormAt), 2 * plan.intervalSeconds * 1000));
  timeline.phase = '5xx-storm';
  timeline.storm = await graphStorm(parts.simulator, plan.stormShare, plan.stormSeconds);
  timeline.phase = 'after-events';
  timeline.endAt = Math.max(timeline.endAt, Date.now() + STEADY_TAIL * runMs);
  timeline.eventsDone = true;
}

async function sampleUntil(
  plan: SoakPlan,
  timeline: Timeline,
  worker: SoakWorker,
  simulator: SimulatorProcess,
  startedAt: number,
): Promise<SoakSample[]> {
  const samples: SoakSample[] = [];
  let printedFrom = 0;
  let nextPrint = 0;
  let nextCollectionAt = 0;
  while (!timeline.eventsDone || Date.now() < timeline.endAt) {
    // A forced collection costs the worker 0.1-0.3 s at 100,000 users: once a minute, not at every sample.
    const collect = Date.now() >= nextCollectionAt;
    if (collect) nextCollectionAt = Date.now() + plan.collectEverySeconds * 1000;
    const sample = await takeSample({
      pid: worker.pid,
      minute: (Date.now() - startedAt) / 60_000,
      phase: timeline.phase,
      metrics: () => worker.metrics(),
      ...(collect ? { heapAfterGc: () => worker.heapAfterGc() } : {}),
      simulatorCounters: await simulator.counters(),
    });
    samples.push(sample);
    // Every few minutes, the samples since the last table, about three rows per table.
    if (sample.minute >= nextPrint) {
      const rows = thinned(samples.slice(printedFrom), plan.tableEveryMinutes / 3);
      progress(`\n${formatRows([TABLE_HEADER, ...rows.map(tableRow)])}`);
      printedFrom = samples.length;
      nextPrint = sample.minute + plan.tableEveryMinutes;
    }
    await sleep(plan.sampleSeconds * 1000);
  }
  return samples;
}

/** Where a served change may legitimately never reach the topic (see soak-verify.ts). */
function windowsOf(plan: SoakPlan, timeline: Timeline, stopAt: number): TimeWindow[] {
  const cycle = 2 * plan.intervalSeconds * 1000;
  const windows: TimeWindow[] = [{ name: 'shutdown', fromMs: stopAt - cycle, toMs: Number.MAX_SAFE_INTEGER }];
  const broker = timeline.broker;
  if (broker !== undefined) {
    windows.push({
      name: 'broker-crash',
      fromMs: broker.killedAtMs - cycle,
      toMs: (broker.firstCommitAtMs ?? stopAt) + 1000,
    });
  }
  return windows;
}

function writeSeries(dir: string, name: string, samples: readonly SoakSample[]): { json: string; csv: string } {
  const json = join(dir, `${name}.json`);
  const csv = join(dir, `${name}.csv`);
  writeFileSync(json, `${JSON.stringify(samples, null, 1)}\n`);
  writeFileSync(csv, toCsv(samples));
  return { json, csv };
}
