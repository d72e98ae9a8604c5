/**
 * Can the schedule beat uniform polling within the same budget? Runs the model of schedule-model.ts: a uniform
 * schedule (every user every cycle) against schedules that poll by what the last poll saw (offline-like users
 * rarely, users seen changing recently often), with the same user-polls per second, on the same population and
 * the same changes. Prints mean / p50 / p99 / max change-to-seen wait, the same for idle users coming online,
 * and the poll rate used against the budget.
 *
 *   npx tsx bench/experiments/schedule-study.ts [--users 100000] [--hours 4] [--cycle 30.78]
 *       [--frequent 0.15] [--idle 0.35] [--frequent-per-hour 8] [--normal-per-hour 1.5] [--idle-hours 10]
 *       [--hot-window 900] [--caps 2,4,8]
 *
 * `--cycle` is the uniform cycle the budget allows (1,000,000 users at 1,500 requests per 30 s: 30.78 s); the
 * model polls `users / cycle` users a second, so its seconds are those of any population at that cycle.
 */
import { parseArgs } from 'node:util';
import {
  runSchedule,
  scaled,
  squareRootSchedule,
  type ModelRun,
  type Schedule,
  type ScheduleOutcome,
} from './schedule-model.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    hours: { type: 'string', default: '4' },
    cycle: { type: 'string', default: '30.78' },
    frequent: { type: 'string', default: '0.15' },
    idle: { type: 'string', default: '0.35' },
    'frequent-per-hour': { type: 'string', default: '8' },
    'normal-per-hour': { type: 'string', default: '1.5' },
    'idle-hours': { type: 'string', default: '10' },
    'hot-window': { type: 'string', default: '900' },
    caps: { type: 'string', default: '2,4,8' },
    seed: { type: 'string', default: '7' },
  },
  strict: true,
});

const run: ModelRun = {
  users: Number(values.users),
  hours: Number(values.hours),
  seed: Number(values.seed),
  mix: {
    frequentShare: Number(values.frequent),
    idleShare: Number(values.idle),
    frequentPerHour: Number(values['frequent-per-hour']),
    normalPerHour: Number(values['normal-per-hour']),
    idleMeanHours: Number(values['idle-hours']),
  },
};
const cycle = Number(values.cycle);
const pollsPerSecond = run.users / cycle;
const hotWindow = Number(values['hot-window']);

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function summary(values: Float64Array): string {
  const sorted = values.slice().sort();
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  const fmt = (value: number): string => value.toFixed(1).padStart(6);
  return `mean ${fmt(mean)}  p50 ${fmt(quantile(sorted, 0.5))}  p99 ${fmt(quantile(sorted, 0.99))}  max ${fmt(quantile(sorted, 1))}`;
}

function meanOf(values: Float64Array): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

function report(outcome: ScheduleOutcome, baseline: ScheduleOutcome | undefined): void {
  const { cold, warm, hot } = outcome.schedule.intervalSeconds;
  const gain =
    baseline === undefined ? '' : `  mean ${(meanOf(baseline.waits) / meanOf(outcome.waits)).toFixed(2)}x better`;
  process.stdout.write(
    `${outcome.schedule.name}: intervals cold ${cold.toFixed(1)} s, warm ${warm.toFixed(1)} s, hot ${hot.toFixed(1)} s; ` +
      `${((100 * outcome.pollRate) / pollsPerSecond).toFixed(1)} % of the budget${gain}\n` +
      `  every change (${outcome.waits.length}):       ${summary(outcome.waits)} s\n` +
      `  idle user coming online (${outcome.wakeWaits.length}): ${summary(outcome.wakeWaits)} s\n`,
  );
}

/** Runs a schedule, then once more scaled onto the budget if its class sizes made it miss by more than 0.5 %. */
function onBudget(schedule: Schedule): ScheduleOutcome {
  const first = runSchedule(run, schedule);
  const factor = first.pollRate / pollsPerSecond;
  return Math.abs(factor - 1) <= 0.005 ? first : runSchedule(run, scaled(schedule, factor));
}

const uniform: Schedule = {
  name: 'uniform',
  intervalSeconds: { cold: cycle, warm: cycle, hot: cycle },
  hotWindowSeconds: hotWindow,
};
const started = performance.now();
process.stdout.write(
  `${run.users} users for ${run.hours} h, ${pollsPerSecond.toFixed(0)} user-polls/s (uniform cycle ${cycle} s); ` +
    `mix: ${JSON.stringify(run.mix)}; hot = a change seen within ${hotWindow} s\n`,
);
const baseline = runSchedule(run, uniform);
report(baseline, undefined);
const { cold, warm, hot } = baseline.tally;
const perHour = (t: { changes: number; userSeconds: number }): string =>
  ((3600 * t.changes) / Math.max(1, t.userSeconds)).toFixed(2);
process.stdout.write(
  `  classes under uniform polling: cold ${((100 * cold.userSeconds) / (run.users * run.hours * 3600)).toFixed(1)} % of users, ${perHour(cold)} changes/h; ` +
    `warm ${((100 * warm.userSeconds) / (run.users * run.hours * 3600)).toFixed(1)} %, ${perHour(warm)}/h; ` +
    `hot ${((100 * hot.userSeconds) / (run.users * run.hours * 3600)).toFixed(1)} %, ${perHour(hot)}/h\n`,
);
for (const cap of values.caps.split(',').map(Number)) {
  report(onBudget(squareRootSchedule(baseline.tally, run.hours, pollsPerSecond, hotWindow, cap * cycle)), baseline);
}
process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
