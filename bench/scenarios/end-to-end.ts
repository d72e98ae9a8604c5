/**
 * The connector end to end: the real worker polls a simulator child (no latency, budget far above what is used)
 * and publishes to the bench's broker in its default delivery mode (exactly-once on this broker), compression,
 * concurrency and shard assignment. A share of the users changes (changeUsers) between two cycles; the figure is
 * the worker's own cycle duration: from the cycle's start until Kafka acknowledged every batch of it, the
 * changed events included.
 *
 * Between two cycles: the polling interval is 1 s, shorter than a cycle, so the worker starts the next cycle as
 * soon as one ends. The change is sent to the simulator from a hook that runs synchronously when the worker
 * reports a cycle's end (its debug log line), before it can send the next cycle's first request; a cycle whose
 * events fall short of the changed users (the change landed late) is not counted and measured again.
 *
 * Simulator: in a child process, so this process's CPU is the connector's (plus the few log lines the bench
 * parses); the simulator's and the broker's CPU are read from /proc and reported apart.
 *
 * Variants (params `headers`, `table`, `watermarks`) change one output setting of the worker against its defaults
 * (CloudEvents headers, table and watermark topics on); a variant's rows name it. After the run the topics' end
 * offsets are read: the step fails when an output that is on got nothing (the table fewer records than the
 * events published) or one that is off exists.
 */
// First: decides whether kafkajs is patched in this process, before anything below loads kafkajs.
import { kafkajsPatches } from '../lib/kafkajs-patch-param.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { derivedTopic } from '../../src/config/schema-outputs.js';
import { createConnectorRun, type ConnectorRun, type CpuSnapshot, type CycleSample } from '../lib/connector-run.js';
import { benchKafka, topicEndOffsets } from '../lib/kafka.js';
import { CpuProfiler, type ProfileSummary } from '../lib/profile.js';
import {
  median,
  numberParam,
  progress,
  stringParam,
  round,
  type FigureRow,
  type Scenario,
  type ScenarioContext,
} from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CycleMeasurement {
  label: string;
  share: number;
  changed: number;
  events: number;
  durationMs: number;
  batches: number;
  transactions: number;
  cpuSelfSeconds: number;
  cpuSimulatorSeconds: number | null;
  cpuBrokerSeconds: number | null;
  valid: boolean;
  invalidReason?: string;
}

export interface ShareSummary {
  share: number;
  events: number;
  cycles: number;
  durationMs: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  /** Cycle time above a cycle without changes: the part the changed events cost. */
  publishMs: number;
  publishEventsPerSecond: number;
  transactionsPerCycle: number;
  simulatorCpuSeconds: number | null;
  brokerCpuSeconds: number | null;
}

const CYCLE_TIMEOUT_MS = 600_000;

interface Step {
  share: number;
  label: string;
  profile: boolean;
}

/** The step whose change has been sent and whose cycle is running. */
interface Armed {
  step: Step;
  change: Promise<{ changed: number; presenceRequestsBefore: number }>;
  cpu: CpuSnapshot;
  profiler?: CpuProfiler;
}

const NO_CHANGE = { changed: 0, presenceRequestsBefore: -1 };

export const endToEnd: Scenario = async (context: ScenarioContext) => {
  const userCount = numberParam(context, 'users', 100_000);
  const repetitions = numberParam(context, 'repetitions', 2);
  const profile = numberParam(context, 'profile', 1) === 1;
  // kafka.headers of the worker: the default (cloudevents), or minimal / none to price the headers end to end.
  const headers = stringParam(context, 'headers', 'cloudevents');
  // kafka.table.enabled / kafka.watermarks.enabled: on (the default) or off, to price those topics end to end.
  const table = onOff(stringParam(context, 'table', 'on'), 'table');
  const watermarks = onOff(stringParam(context, 'watermarks', 'on'), 'watermarks');
  const variant = [
    ...(headers === 'cloudevents' ? [] : [`headers ${headers}`]),
    ...(table ? [] : ['table off']),
    ...(watermarks ? [] : ['watermarks off']),
    // The worker's kafkajs: patched (kafkajs-patches.ts, as src/kafka/index.ts installs it) unless told otherwise.
    ...(kafkajsPatches === 'installed' ? [] : [`kafkajs as shipped (${kafkajsPatches})`]),
  ].join(', ');
  const named = (figure: string): string => (variant === '' ? figure : `[${variant}] ${figure}`);
  // The churn shares measured, each followed by a cycle without changes; variants measure only 100 % to save time.
  const shares = sharesParam(context, [0.1, 0.5, 1]);
  const simulator = await startSimulatorProcess({
    userCount,
    autoChurn: false,
    budget: { requests: 10_000_000, windowSeconds: 1 },
  });
  const suffix = randomBytes(4).toString('hex');
  const run = createConnectorRun({
    simulator: simulator.info,
    simulatorPid: simulator.pid,
    brokers: context.brokers,
    brokerPid: context.brokerPid,
    userCount,
    connectorName: `bench-e2e-${suffix}`,
    topic: `bench-e2e-${suffix}`,
    graph: { requestBudget: { maxRequests: 1_000_000, windowSeconds: 1 } },
    polling: { intervalSeconds: 1 },
    // Only what a variant turns off is written: the default step gets the config schema's defaults, as a user would.
    kafka: {
      headers,
      ...(table ? {} : { table: { enabled: false } }),
      ...(watermarks ? {} : { watermarks: { enabled: false } }),
    },
  });
  const topics = outputTopics(run, table, watermarks);
  const plan: Step[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const share of [...shares, 0]) plan.push({ share, label: `churn ${share * 100} %`, profile: false });
  }
  if (profile)
    for (const share of [1, 0]) plan.push({ share, label: `profiled churn ${share * 100} %`, profile: true });
  const measurements: CycleMeasurement[] = [];
  const profiles: ProfileSummary[] = [];
  let retries = 0;
  try {
    progress(`worker for ${userCount} users: the first cycle publishes a snapshot of everyone`);
    await run.start();
    // The first cycle started with the shards: measured from here.
    let current: Armed | undefined = {
      step: { share: 1, label: 'snapshot', profile: false },
      change: Promise.resolve({ changed: userCount, presenceRequestsBefore: 0 }),
      cpu: run.cpuNow(),
    };
    let requestsSoFar = 0;
    let eventsSoFar = 0;
    let transactionsSoFar = 0;
    for (let index = 0; current !== undefined; index++) {
      const next = plan[index];
      let armed: Armed | undefined;
      const cycle = await run.atNextCycleEnd(CYCLE_TIMEOUT_MS, () => {
        if (next === undefined) return;
        const profiler = next.profile ? new CpuProfiler() : undefined;
        profiler?.startNow();
        armed = {
          step: next,
          change: Promise.resolve(NO_CHANGE),
          cpu: run.cpuNow(),
          ...(profiler === undefined ? {} : { profiler }),
        };
        // Sent before this hook returns: on the simulator's IPC pipe before the next cycle's first request.
        if (next.share > 0) armed.change = simulator.changeShare(next.share);
      });
      const change = await current.change;
      let measurement = await measurementOf(
        current.step.label,
        current.step.share,
        change.changed,
        current.cpu,
        cycle,
        eventsSoFar,
        transactionsSoFar,
      );
      if (change.presenceRequestsBefore > requestsSoFar) {
        measurement = {
          ...measurement,
          valid: false,
          invalidReason: `${change.presenceRequestsBefore - requestsSoFar} requests of the cycle were served before the change`,
        };
      }
      if (current.profiler !== undefined) {
        const file = join(
          context.resultsDir,
          `profile-${userCount}-users-churn-${current.step.share * 100}.cpuprofile`,
        );
        profiles.push(await current.profiler.stop(file, ROOT));
        measurement = { ...measurement, valid: false, invalidReason: 'profiled (not counted)' };
      }
      measurements.push(measurement);
      progress(`${current.step.label}: ${describe(measurement)}`);
      requestsSoFar += cycle.batches;
      eventsSoFar = await cycle.eventsTotal;
      transactionsSoFar = await cycle.committedTransactionsTotal;
      // A late change spills into this cycle and the next: let that pass, then measure the same share again.
      if (!measurement.valid && current.profiler === undefined && current.step.label !== 'snapshot' && retries < 4) {
        retries++;
        plan.splice(index + 1, 0, { share: 0, label: 'settle after a missed change', profile: false }, current.step);
      }
      current = armed;
    }
  } finally {
    await run.stop().catch((error: unknown) => progress(`worker stop failed: ${String(error)}`));
    await simulator.close();
  }
  const outputs = await checkOutputs(context.brokers, run, topics);
  progress(`outputs: ${JSON.stringify(outputs)}`);

  const valid = measurements.filter((measurement) => measurement.valid);
  const quiet = valid.filter((measurement) => measurement.label === 'churn 0 %');
  const quietMs = median(quiet.map((m) => m.durationMs));
  const quietCpu = median(quiet.map((m) => m.cpuSelfSeconds));
  const summarise = (selected: CycleMeasurement[], share: number): ShareSummary => {
    const events = median(selected.map((m) => m.events));
    const durationMs = median(selected.map((m) => m.durationMs));
    const publishMs = durationMs - quietMs;
    return {
      share,
      events,
      cycles: selected.length,
      durationMs: round(durationMs, 1),
      eventsPerSecond: round(events / (durationMs / 1000)),
      eventsPerCpuSecond: round(median(selected.map((m) => m.events / m.cpuSelfSeconds))),
      publishMs: round(publishMs, 1),
      publishEventsPerSecond: round(events / (publishMs / 1000)),
      transactionsPerCycle: median(selected.map((m) => m.transactions)),
      simulatorCpuSeconds: nullableMedian(selected.map((m) => m.cpuSimulatorSeconds)),
      brokerCpuSeconds: nullableMedian(selected.map((m) => m.cpuBrokerSeconds)),
    };
  };
  const perShare = shares.map((share) =>
    summarise(
      valid.filter((m) => m.label === `churn ${share * 100} %`),
      share,
    ),
  );
  const snapshot = summarise(
    valid.filter((m) => m.label === 'snapshot'),
    1,
  );
  const rows: FigureRow[] = [
    {
      section: 'e2e',
      figure: named(`cycle without changes (${userCount} users polled, 0 events)`),
      value: round(quietMs),
      unit: 'ms',
      note: `Graph fetch + parse + dedup only, ${round(quietCpu, 2)} CPU-s: the floor every cycle below pays`,
    },
    {
      section: 'e2e',
      figure: named(`snapshot cycle (${userCount} SNAPSHOT events)`),
      value: snapshot.eventsPerSecond,
      unit: 'events/s',
      note: `${snapshot.durationMs} ms, ${snapshot.eventsPerCpuSecond} events per CPU-s, ${snapshot.transactionsPerCycle} transactions`,
    },
    ...perShare.flatMap((summary): FigureRow[] => [
      {
        section: 'e2e',
        figure: named(`churn ${summary.share * 100} % (${Math.round(summary.events)} events of ${userCount} users)`),
        value: summary.eventsPerSecond,
        unit: 'events/s',
        note: `cycle ${summary.durationMs} ms (median of ${summary.cycles}), ${summary.transactionsPerCycle} transactions/cycle; simulator ${summary.simulatorCpuSeconds ?? '?'} CPU-s, broker ${summary.brokerCpuSeconds ?? '?'} CPU-s per cycle`,
      },
      {
        section: 'e2e',
        figure: named(`churn ${summary.share * 100} %: events per connector CPU-s`),
        value: summary.eventsPerCpuSecond,
        unit: 'events/CPU-s',
        note: 'worker process only; simulator and broker CPU apart',
      },
    ]),
  ];
  return {
    rows,
    details: {
      userCount,
      variant,
      settings: { headers, table, watermarks, kafkajsPatches },
      outputs,
      repetitions,
      retries,
      overruns: run.overruns,
      quietMs,
      quietCpu,
      snapshot,
      perShare,
      measurements,
      profiles,
      problems: run.problems,
    },
  };
};

function sharesParam(context: ScenarioContext, fallback: number[]): number[] {
  const value = context.params['shares'];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((share) => typeof share !== 'number' || share <= 0 || share > 1))
    throw new Error(`param shares must be a list of numbers in (0, 1], not ${JSON.stringify(value)}`);
  return value as number[];
}

function onOff(value: string, name: string): boolean {
  if (value !== 'on' && value !== 'off') throw new Error(`param ${name} must be on or off, not "${value}"`);
  return value === 'on';
}

interface OutputTopics {
  events: string;
  table: string;
  watermarks: string;
}

/** The topics the worker writes, checked against the settings it was given (the config schema's defaults apply). */
function outputTopics(run: ConnectorRun, table: boolean, watermarks: boolean): OutputTopics {
  const { kafka } = run.config;
  if ((kafka.table !== undefined) !== table)
    throw new Error(
      `kafka.table is ${table ? 'on' : 'off'} in the bench but the worker's config says ${JSON.stringify(kafka.table)}`,
    );
  if ((kafka.watermarkTopic !== undefined) !== watermarks)
    throw new Error(
      `kafka.watermarks is ${watermarks ? 'on' : 'off'} in the bench but the worker's config says ${kafka.watermarkTopic}`,
    );
  return {
    events: kafka.topic,
    table: kafka.table?.topic ?? derivedTopic(kafka.topic, 'current'),
    watermarks: kafka.watermarkTopic ?? derivedTopic(kafka.topic, 'watermarks'),
  };
}

export interface OutputCheck {
  eventsPublished: number;
  /** Sums of partition end offsets (records + transaction markers); null: the topic does not exist. */
  endOffsets: { events: number | null; table: number | null; watermarks: number | null };
}

/**
 * What reached each output topic, read from the broker after the worker stopped; throws when it is not what the
 * settings say.
 */
async function checkOutputs(brokers: string[], run: ConnectorRun, topics: OutputTopics): Promise<OutputCheck> {
  const published = await run.metrics.eventsPublished.get();
  const eventsPublished = published.values.reduce((sum, entry) => sum + entry.value, 0);
  const offsets = await topicEndOffsets(benchKafka(brokers, 'bench-e2e-check'), [
    topics.events,
    topics.table,
    topics.watermarks,
  ]);
  const check: OutputCheck = {
    eventsPublished,
    endOffsets: {
      events: offsets[topics.events] ?? null,
      table: offsets[topics.table] ?? null,
      watermarks: offsets[topics.watermarks] ?? null,
    },
  };
  const { kafka } = run.config;
  const problems: string[] = [];
  if ((check.endOffsets.events ?? 0) < eventsPublished)
    problems.push(`the change topic ends at ${check.endOffsets.events} for ${eventsPublished} events published`);
  if (kafka.table !== undefined && (check.endOffsets.table ?? 0) < eventsPublished)
    problems.push(`the table topic ends at ${check.endOffsets.table} for ${eventsPublished} events published`);
  if (kafka.table === undefined && check.endOffsets.table !== null)
    problems.push(`the table is off but ${topics.table} exists`);
  if (kafka.watermarkTopic !== undefined && (check.endOffsets.watermarks ?? 0) === 0)
    problems.push(`the watermark topic got nothing`);
  if (kafka.watermarkTopic === undefined && check.endOffsets.watermarks !== null)
    problems.push(`watermarks are off but ${topics.watermarks} exists`);
  if (problems.length > 0) throw new Error(`outputs not as configured: ${problems.join('; ')}`);
  return check;
}

async function measurementOf(
  label: string,
  share: number,
  changed: number,
  cpuBefore: CpuSnapshot,
  cycle: CycleSample,
  eventsBefore: number,
  transactionsBefore: number,
): Promise<CycleMeasurement> {
  const events = (await cycle.eventsTotal) - eventsBefore;
  const measurement: CycleMeasurement = {
    label,
    share,
    changed,
    events,
    durationMs: round(cycle.durationMs, 1),
    batches: cycle.batches,
    transactions: (await cycle.committedTransactionsTotal) - transactionsBefore,
    cpuSelfSeconds: round(cycle.cpu.self - cpuBefore.self, 3),
    cpuSimulatorSeconds: difference(cycle.cpu.simulator, cpuBefore.simulator),
    cpuBrokerSeconds: difference(cycle.cpu.broker, cpuBefore.broker),
    valid: true,
  };
  if (cycle.failedBatches > 0)
    return { ...measurement, valid: false, invalidReason: `${cycle.failedBatches} batches failed` };
  // Users whose status message expired change too, so more events than changed users is fine; fewer is not.
  if (events < changed)
    return { ...measurement, valid: false, invalidReason: `${events} events for ${changed} changed users` };
  return measurement;
}

function difference(after: number | null, before: number | null): number | null {
  return after === null || before === null ? null : round(after - before, 2);
}

function nullableMedian(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : round(median(known), 2);
}

function describe(measurement: CycleMeasurement | undefined): string {
  if (measurement === undefined) return '?';
  const rate = Math.round(measurement.events / (measurement.durationMs / 1000));
  return `${measurement.events} events in ${measurement.durationMs} ms (${rate}/s), ${measurement.transactions} transactions, CPU ${measurement.cpuSelfSeconds} s${measurement.valid ? '' : ` [invalid: ${measurement.invalidReason}]`}`;
}
