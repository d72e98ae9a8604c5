/**
 * The worker at N users on a state topic written by prefill-state: how long the restore takes, what the worker
 * holds per user, and how its poll cycles compare with what Graph's latency allows.
 *
 * Graph: a simulator child with a fixed latency and a budget that never binds. Every presence is a duplicate of
 * the restored state, so a cycle is Graph requests, JSON parsing and dedup; the floor is
 * requests × latency / concurrency.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConnectorRun, type ConnectorRun } from '../lib/connector-run.js';
import { CpuProfiler, type ProfileSummary } from '../lib/profile.js';
import { settledMemory, type MemorySample } from '../lib/proc.js';
import {
  median,
  numberParam,
  progress,
  round,
  stringParam,
  type FigureRow,
  type Scenario,
  type ScenarioContext,
} from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator-process.js';

// Issue 15's targets at 1,000,000 users (the smaller populations are held to them too: fixed costs weigh more there).
const HEAP_TARGET_BYTES = 160;
const RSS_TARGET_BYTES = 300;
const RESTORE_1M_TARGET_MS = 8_000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GraphCycle {
  durationMs: number;
  requests: number;
  floorMs: number;
  overheadPercent: number;
  /** The simulator's own time per request (latency + building the body), divided by the concurrency. */
  servedFloorMs: number;
  events: number;
  /** This process's CPU from the previous cycle's end to this one's, per request. */
  cpuMsPerRequest: number;
}

export const scale: Scenario = async (context: ScenarioContext) => {
  const userCount = numberParam(context, 'users', 100_000);
  const countedCycles = numberParam(context, 'cycles', 3);
  const latencyMs = numberParam(context, 'latencyMs', 50);
  const concurrency = numberParam(context, 'concurrency', 4);
  // 1: one more cycle after the counted ones under the CPU profiler (not counted), summarised in the details.
  const profile = numberParam(context, 'profile', 0) === 1;
  const connectorName = stringParam(context, 'connectorName', '');
  if (connectorName === '') throw new Error('scale needs the connectorName of a prefill-state step');
  const simulator = await startSimulatorProcess({
    userCount,
    autoChurn: false,
    faults: { latency: { kind: 'fixed', ms: latencyMs } },
    budget: { requests: 10_000_000, windowSeconds: 1 },
  });
  const memory: Record<string, MemorySample> = {};
  memory['baseline'] = await settledMemory();
  const run = createConnectorRun({
    simulator: simulator.info,
    simulatorPid: simulator.pid,
    brokers: context.brokers,
    brokerPid: context.brokerPid,
    userCount,
    connectorName,
    topic: stringParam(context, 'topic', connectorName),
    kafka: { stateTopic: stringParam(context, 'stateTopic', `${connectorName}.presence-state`) },
    graph: { concurrency, requestBudget: { maxRequests: 1_000_000, windowSeconds: 1 } },
    polling: { intervalSeconds: 1 },
  });
  const graphCycles: GraphCycle[] = [];
  let profiled: ProfileSummary | undefined;
  let restore;
  try {
    memory['configured'] = await settledMemory();
    progress(`restoring ${userCount} users`);
    restore = await run.start();
    progress(
      `restored ${restore.users} users from ${restore.records} records in ${Math.round(restore.startToRestoredMs)} ms (read ${restore.readStateMs} ms)`,
    );
    // Taken while the first cycle runs; that cycle (token, TLS handshakes, this GC pause) is not counted.
    memory['restored'] = await settledMemory();
    const cycleTimeoutMs = 600_000;
    await run.nextCycle(cycleTimeoutMs);
    const firstCounted = run.cycles.length;
    for (let i = 0; i < countedCycles; i++) await run.nextCycle(cycleTimeoutMs);
    memory['running'] = await settledMemory();
    if (profile)
      profiled = await profileNextCycle(
        run,
        join(context.resultsDir, `profile-${userCount}-users-scale-${latencyMs}ms.cpuprofile`),
      );
    const arrivals = await simulator.arrivals();
    let offset = run.cycles.slice(0, firstCounted).reduce((sum, cycle) => sum + cycle.batches, 0);
    let eventsBefore = await (run.cycles[firstCounted - 1]?.eventsTotal ?? Promise.resolve(0));
    let previousCpu = run.cycles[firstCounted - 1]?.cpu.self ?? Number.NaN;
    for (const cycle of run.cycles.slice(firstCounted, firstCounted + countedCycles)) {
      const served = arrivals.slice(offset, offset + cycle.batches);
      offset += cycle.batches;
      const floorMs = (cycle.batches * latencyMs) / concurrency;
      const eventsTotal = await cycle.eventsTotal;
      graphCycles.push({
        durationMs: round(cycle.durationMs, 1),
        requests: cycle.batches,
        floorMs,
        overheadPercent: round((100 * (cycle.durationMs - floorMs)) / floorMs, 1),
        servedFloorMs: round(served.reduce((sum, arrival) => sum + arrival.durationMs, 0) / concurrency, 1),
        events: eventsTotal - eventsBefore,
        cpuMsPerRequest: round(((cycle.cpu.self - previousCpu) * 1000) / cycle.batches, 2),
      });
      previousCpu = cycle.cpu.self;
      eventsBefore = eventsTotal;
      progress(`cycle: ${round(cycle.durationMs)} ms for ${cycle.batches} requests (floor ${floorMs} ms)`);
    }
  } finally {
    await run.stop().catch((error: unknown) => progress(`worker stop failed: ${String(error)}`));
    await simulator.close();
  }

  const durationMs = median(graphCycles.map((cycle) => cycle.durationMs));
  const floorMs = graphCycles[0]?.floorMs ?? Number.NaN;
  const servedFloorMs = median(graphCycles.map((cycle) => cycle.servedFloorMs));
  const overhead = (100 * (durationMs - floorMs)) / floorMs;
  const servedOverhead = (100 * (durationMs - servedFloorMs)) / servedFloorMs;
  // Issue 15: the simulator's service time is Graph's to pay, the rest is ours; less room where latency hides less.
  const overheadTarget = latencyMs >= 100 ? 10 : 15;
  const perUser = (from: string, to: string, field: keyof MemorySample): number => {
    const before = memory[from]?.[field];
    const after = memory[to]?.[field];
    return before === undefined || after === undefined ? Number.NaN : round((after - before) / userCount, 1);
  };
  const heapPerUser = perUser('baseline', 'running', 'heapUsedBytes');
  // The state store keeps its numbers in typed arrays, outside the V8 heap: they count too.
  const totalPerUser = round(heapPerUser + perUser('baseline', 'running', 'arrayBuffersBytes'), 1);
  const rssPerUser = perUser('baseline', 'running', 'rssBytes');
  const label = userCount.toLocaleString('en-US');
  const rows: FigureRow[] = [
    {
      section: 'graph',
      figure: `${label} users: poll cycle (${graphCycles[0]?.requests ?? '?'} requests, ${latencyMs} ms latency, concurrency ${concurrency})`,
      value: round(durationMs),
      unit: 'ms',
      note: `floor ${floorMs} ms; simulator-side floor (its service time included) ${round(servedFloorMs)} ms; median of ${graphCycles.length} cycles; worker CPU ${round(median(graphCycles.map((cycle) => cycle.cpuMsPerRequest)), 2)} ms per request`,
    },
    {
      section: 'graph',
      figure: `${label} users, ${latencyMs} ms: cycle overhead above the simulator-side floor`,
      value: round(servedOverhead, 1),
      unit: '%',
      target: `≤ ${overheadTarget} %`,
      met: servedOverhead <= overheadTarget,
      note: `above the bare latency floor: ${round(overhead, 1)} %`,
    },
  ];
  if (restore !== undefined) {
    rows.push({
      section: 'restore',
      figure: `${label} users: worker start until state restored`,
      value: round(restore.startToRestoredMs),
      unit: 'ms',
      ...(userCount === 1_000_000
        ? { target: `≤ ${RESTORE_1M_TARGET_MS} ms`, met: restore.startToRestoredMs <= RESTORE_1M_TARGET_MS }
        : {}),
      note: `connect ${round(restore.startToConnectedMs)} ms, then group join + fencing; reading ${restore.records.toLocaleString('en-US')} records into the store ${round(restore.readStateMs)} ms (${round(restore.records / (restore.readStateMs / 1000))} records/s)`,
    });
  }
  // Below 100,000 users the fixed cost of the modules and clients would dominate a per-user figure.
  if (userCount >= 100_000) {
    rows.push(
      {
        section: 'memory',
        figure: `${label} users: whole worker, heap + array buffers per user`,
        value: totalPerUser,
        unit: 'B/user',
        target: `≤ ${HEAP_TARGET_BYTES} B`,
        met: totalPerUser <= HEAP_TARGET_BYTES,
        note: `after GC, while polling, minus before the config was loaded: heap ${heapPerUser} B/user (config loaded, worker created: ${perUser('baseline', 'configured', 'heapUsedBytes')}; after restore: ${perUser('baseline', 'restored', 'heapUsedBytes')})`,
      },
      {
        section: 'memory',
        figure: `${label} users: whole worker, RSS per user`,
        value: rssPerUser,
        unit: 'B/user',
        target: `≤ ${RSS_TARGET_BYTES} B`,
        met: rssPerUser <= RSS_TARGET_BYTES,
        note: `RSS keeps what V8 and the allocator have not returned to the OS; external ${perUser('baseline', 'running', 'externalBytes')} B/user`,
      },
    );
  }
  return {
    rows,
    details: {
      userCount,
      latencyMs,
      concurrency,
      restore,
      graphCycles,
      memory,
      profile: profiled,
      overruns: run.overruns,
      problems: run.problems,
    },
  };
};

/**
 * Profiles the cycle after the next one ends: started from the end-of-cycle hook, so it covers exactly one whole
 * cycle (the cycle the memory reading overlapped is skipped).
 */
async function profileNextCycle(run: ConnectorRun, file: string): Promise<ProfileSummary> {
  const profiler = new CpuProfiler();
  await run.atNextCycleEnd(600_000, () => profiler.startNow());
  await run.nextCycle(600_000);
  const summary = await profiler.stop(file, ROOT);
  progress(`profiled one cycle: ${summary.busyMs} ms busy of ${summary.wallMs} ms; ${file}`);
  return summary;
}
