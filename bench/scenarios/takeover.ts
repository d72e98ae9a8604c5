/**
 * Takeover after a worker dies (SIGKILL) and after it stops gracefully (SIGTERM, which leaves the group at once),
 * with several worker processes sharing the shards through the group: the time from the signal until the
 * survivors poll every shard again (fence and state restore included), and how many shards moved beyond the
 * leaver's own (zero with the sticky assignment). After each departure a new worker joins and takes its share.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { median, numberParam, progress, type FigureRow, type Scenario } from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator-process.js';
import {
  lastOwned,
  movesOf,
  shardNames,
  startBenchWorker,
  writeTakeoverConfig,
  type BenchWorker,
} from './takeover-workers.js';

type Signal = 'SIGKILL' | 'SIGTERM';

interface LeaveSample {
  signal: Signal;
  takeoverMs: number;
  leaverShards: number;
  /** Shards the survivors lost, or gained that the leaver did not hold: each an avoidable fence and restore. */
  extraMoves: number;
  /** Signal to the first survivor's "shard rebalance started": how long the group took to notice. */
  noticedMs: number | undefined;
  /** Signal to the last survivor's "shards assigned": the rebalance done. */
  assignedMs: number | undefined;
}

interface JoinSample {
  /** Shards the newcomer took. */
  moved: number;
  /** Shards the other workers gained on the join (should be none). */
  extraMoves: number;
}

const WAIT_MS = 180_000;

async function until(what: string, condition: () => boolean): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > WAIT_MS) throw new Error(`timed out after ${WAIT_MS} ms waiting until ${what}`);
    await sleep(50);
  }
}

/** Every shard polled by exactly one of these workers, shares within one of each other. */
function balanced(live: readonly BenchWorker[], shards: readonly string[]): boolean {
  const shares = live.map((worker) => lastOwned(worker)?.owned);
  if (shares.some((share) => share === undefined)) return false;
  const owned = shares.flatMap((share) => share ?? []);
  const counts = shares.map((share) => share?.length ?? 0);
  return (
    owned.length === shards.length &&
    new Set(owned).size === shards.length &&
    Math.max(...counts) - Math.min(...counts) <= 1
  );
}

function covered(live: readonly BenchWorker[], shards: readonly string[]): boolean {
  const owned = live.flatMap((worker) => lastOwned(worker)?.owned ?? []);
  return owned.length === shards.length && new Set(owned).size === shards.length;
}

/** Balanced, and no worker's shards changed for `quietMs`: the group has settled. */
async function settled(live: readonly BenchWorker[], shards: readonly string[], quietMs: number): Promise<void> {
  const started = Date.now();
  await until('the workers share the shards evenly', () => balanced(live, shards));
  for (;;) {
    if (Date.now() - started > WAIT_MS) throw new Error(`the workers' shards still changing after ${WAIT_MS} ms`);
    const before = live.map((worker) => lastOwned(worker)?.at);
    await sleep(quietMs);
    if (live.every((worker, index) => lastOwned(worker)?.at === before[index]) && balanced(live, shards)) return;
  }
}

async function leave(live: BenchWorker[], shards: readonly string[], signal: Signal): Promise<LeaveSample> {
  const [leaver, ...survivors] = live;
  if (leaver === undefined) throw new Error('no worker to stop');
  const leaverShards = lastOwned(leaver)?.owned ?? [];
  const from = survivors.map((worker) => worker.logs.length);
  const signalledAt = Date.now();
  leaver.child.kill(signal);
  await until(`the survivors poll every shard after ${signal}`, () => covered(survivors, shards));
  const takeoverMs = Math.max(...survivors.map((worker) => lastOwned(worker)?.at ?? signalledAt)) - signalledAt;
  await leaver.exited();
  const moves = survivors.map((worker, index) => movesOf(worker, from[index] ?? 0));
  const extraMoves = moves.reduce(
    (sum, { gained, lost }) => sum + lost.length + gained.filter((shard) => !leaverShards.includes(shard)).length,
    0,
  );
  const timesOf = (msg: string): number[] =>
    survivors.flatMap((worker, index) =>
      worker.logs
        .slice(from[index] ?? 0)
        .filter((entry) => String(entry['msg']).startsWith(msg))
        .map((entry) => (entry['time'] as number) - signalledAt),
    );
  const noticed = timesOf('shard rebalance started');
  const assigned = timesOf('shards assigned');
  return {
    signal,
    takeoverMs,
    leaverShards: leaverShards.length,
    extraMoves,
    noticedMs: noticed.length === 0 ? undefined : Math.min(...noticed),
    assignedMs: assigned.length === 0 ? undefined : Math.max(...assigned),
  };
}

export const takeover: Scenario = async (context) => {
  const workerCount = numberParam(context, 'workers', 3);
  const shardCount = numberParam(context, 'shards', 6);
  const usersPerShard = numberParam(context, 'usersPerShard', 50);
  const repetitions = numberParam(context, 'repetitions', context.quick ? 1 : 3);
  const sessionTimeoutMs = numberParam(context, 'sessionTimeoutMs', 10_000);
  const heartbeatIntervalMs = numberParam(context, 'heartbeatIntervalMs', 3_000);
  const shards = shardNames(shardCount);
  const simulator = await startSimulatorProcess({ userCount: shardCount * usersPerShard, autoChurn: false });
  const dir = mkdtempSync(join(tmpdir(), 'bench-takeover-'));
  const suffix = randomBytes(4).toString('hex');
  const configFile = writeTakeoverConfig({
    dir,
    simulator: simulator.info,
    brokers: context.brokers,
    connectorName: `bench-takeover-${suffix}`,
    topic: `bench.takeover.${suffix}`,
    shards: shardCount,
    usersPerShard,
    sessionTimeoutMs,
    heartbeatIntervalMs,
  });
  const start = (): BenchWorker => startBenchWorker(configFile, simulator.info.clientSecret);
  let live = Array.from({ length: workerCount }, start);
  const leaves: LeaveSample[] = [];
  const joins: JoinSample[] = [];
  try {
    await settled(live, shards, 3_000);
    for (let round = 0; round < repetitions; round++) {
      for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
        const sample = await leave(live, shards, signal);
        leaves.push(sample);
        progress(
          `${signal}: every shard polled again after ${sample.takeoverMs} ms (rebalance noticed after ` +
            `${sample.noticedMs} ms, assigned after ${sample.assignedMs} ms), ${sample.extraMoves} extra moves`,
        );
        live = live.slice(1);
        const from = live.map((worker) => worker.logs.length);
        const newcomer = start();
        await settled([...live, newcomer], shards, 3_000);
        const gainedByOthers = live.reduce(
          (sum, worker, index) => sum + movesOf(worker, from[index] ?? 0).gained.length,
          0,
        );
        joins.push({ moved: lastOwned(newcomer)?.owned.length ?? 0, extraMoves: gainedByOthers });
        live = [...live, newcomer];
      }
    }
  } finally {
    for (const worker of live) worker.child.kill('SIGKILL');
    await Promise.all(live.map((worker) => worker.exited()));
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    rows: rowsOf(leaves, joins, { workerCount, shardCount, sessionTimeoutMs }),
    details: {
      workers: workerCount,
      shards: shardCount,
      usersPerShard,
      repetitions,
      sessionTimeoutMs,
      heartbeatIntervalMs,
      leaves,
      joins,
    },
  };
};

function rowsOf(
  leaves: readonly LeaveSample[],
  joins: readonly JoinSample[],
  setup: { workerCount: number; shardCount: number; sessionTimeoutMs: number },
): FigureRow[] {
  const where = `${setup.workerCount} workers, ${setup.shardCount} shards, session timeout ${setup.sessionTimeoutMs / 1000} s`;
  const rows: FigureRow[] = [];
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    const times = leaves.filter((sample) => sample.signal === signal).map((sample) => sample.takeoverMs);
    const samples = leaves.filter((sample) => sample.signal === signal);
    const phases = samples.map((sample) => `${sample.noticedMs}/${sample.assignedMs}/${sample.takeoverMs}`);
    const note = `${where}; ${times.length} runs, noticed/assigned/polling ms: ${phases.join(', ')}`;
    rows.push(
      { section: 'takeover', figure: `takeover after ${signal}, median`, value: median(times), unit: 'ms', note },
      { section: 'takeover', figure: `takeover after ${signal}, max`, value: Math.max(...times), unit: 'ms' },
    );
  }
  const extra = leaves.reduce((sum, sample) => sum + sample.extraMoves, 0);
  const moved = leaves.reduce((sum, sample) => sum + sample.leaverShards, 0);
  rows.push({
    section: 'takeover',
    figure: "shards moved on the survivors beyond the leaver's",
    value: extra,
    unit: 'shards',
    target: '0',
    met: extra === 0,
    note: `over ${leaves.length} departures that moved ${moved} shards of the leavers`,
  });
  const joinExtra = joins.reduce((sum, sample) => sum + sample.extraMoves, 0);
  rows.push({
    section: 'takeover',
    figure: 'shards gained by the others when a worker joins',
    value: joinExtra,
    unit: 'shards',
    target: '0',
    met: joinExtra === 0,
    note: `the newcomer took ${joins.map((sample) => sample.moved).join(', ')} (fair share ${Math.floor(setup.shardCount / setup.workerCount)})`,
  });
  return rows;
}
