/**
 * Freshness: how late a presence change becomes readable by a read_committed consumer, under Graph's documented
 * budget (1,500 requests per 30 s, 650 ids each) with realistic Graph latency (100-300 ms).
 *
 * The simulator child changes `churn` of the users a minute on a 10 ms timer and, once the warm-up is over,
 * stamps each change with its wall-clock time (src/simulator/change-stamps.ts). The worker polls under the same
 * budget as the simulator enforces; a read_committed consumer (bench/lib/commit-watcher.ts) times every event,
 * and each stamp is matched to its event by sequence number (checked against the user id). The floor: a uniform
 * cycle over N users takes at least ceil(N / 650) × window / requests; a change waits U(0, cycle) for its user's
 * next poll, so its q-quantile is q × cycle, plus the request's latency and the delivery.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { userIdAt } from '../../src/simulator/index.js';
import { watchCommitted } from '../lib/commit-watcher.js';
import { createConnectorRun } from '../lib/connector-run.js';
import { freshnessRows } from '../lib/freshness-rows.js';
import { startFreshnessSimulator } from '../lib/freshness-simulator.js';
import { budgetCycleMs, matchChanges, percentiles } from '../lib/freshness-stats.js';
import { benchKafka, createConnectorTopics } from '../lib/kafka.js';
import { retrying } from '../lib/retrying.js';
import {
  median,
  numberParam,
  progress,
  round,
  stringParam,
  type Scenario,
  type ScenarioContext,
} from '../lib/scenario.js';

const PROBE_INTERVAL_MS = 250;

export const freshness: Scenario = async (context: ScenarioContext) => {
  const users = numberParam(context, 'users', 100_000);
  const requests = numberParam(context, 'requests', 1500);
  const windowSeconds = numberParam(context, 'windowSeconds', 30);
  const latency = {
    kind: 'uniform' as const,
    minMs: numberParam(context, 'latencyMinMs', 100),
    maxMs: numberParam(context, 'latencyMaxMs', 300),
  };
  const concurrency = numberParam(context, 'concurrency', 16);
  const churn = numberParam(context, 'churn', 0.03);
  const cycleMs = budgetCycleMs(users, requests, windowSeconds);
  // An interval just under the budget's cycle: the worker never idles on its timer, the budget paces it.
  const intervalSeconds = numberParam(context, 'intervalSeconds', Math.max(1, Math.floor(cycleMs / 1000)));
  // One budget window at least: until then the sliding window has not settled into its steady pattern.
  const warmupSeconds = numberParam(context, 'warmupSeconds', windowSeconds * 1.2);
  const measureSeconds = numberParam(context, 'measureSeconds', Math.max(60, (3 * cycleMs) / 1000));
  const simulator = await startFreshnessSimulator({
    options: { userCount: users, faults: { latency }, budget: { requests, windowSeconds, window: 'sliding' } },
    changesPerMinuteShare: churn,
    churnTickMs: 10,
  });
  const fresh = `bench-freshness-${randomBytes(4).toString('hex')}`;
  const connectorName = stringParam(context, 'connectorName', fresh);
  const topic = stringParam(context, 'topic', connectorName);
  const stateTopic = stringParam(context, 'stateTopic', `${connectorName}.presence-state`);
  if (connectorName === fresh) {
    await retrying('creating the topics', 5, () =>
      createConnectorTopics(benchKafka(context.brokers, 'bench-freshness-topics'), {
        events: topic,
        eventsPartitions: 6,
        state: stateTopic,
        statePartitions: 12,
      }),
    );
  }
  const watcher = await watchCommitted({ brokers: context.brokers, topic, probeIntervalMs: PROBE_INTERVAL_MS });
  const run = createConnectorRun({
    simulator: simulator.info,
    simulatorPid: simulator.pid,
    brokers: context.brokers,
    brokerPid: context.brokerPid,
    userCount: users,
    connectorName,
    topic,
    kafka: { stateTopic },
    graph: { concurrency, requestBudget: { maxRequests: requests, windowSeconds } },
    polling: { intervalSeconds },
  });
  let measured;
  // Long runs (a 1M cycle is 31 s) say where they are every 15 s.
  const heartbeat = setInterval(() => {
    const last = run.cycles.at(-1);
    void simulator
      .counters()
      .then((counters) =>
        progress(
          `${run.cycles.length} cycles so far${last === undefined ? '' : `, the last ${round(last.durationMs)} ms`}; ${counters.presenceRequests} requests, ${counters.throttled} answered 429`,
        ),
      );
  }, 15_000);
  try {
    const started = performance.now();
    await run.start();
    progress(
      `${users} users, budget ${requests} per ${windowSeconds} s (cycle floor ${round(cycleMs)} ms), interval ${intervalSeconds} s; warming up ${warmupSeconds} s`,
    );
    // The first cycle is the restore's (or, on an empty topic, everyone's snapshot); the second drains its
    // backlog. Neither is what a running worker looks like.
    await run.nextCycle(cycleMs * 4 + 300_000);
    await run.nextCycle(cycleMs * 4 + 300_000);
    await sleep(Math.max(0, warmupSeconds * 1000 - (performance.now() - started)));
    const position = await simulator.startStamps();
    const firstCycle = run.cycles.length;
    const firstProbe = watcher.probeLagsMs.length;
    progress(`stamping changes for ${measureSeconds} s`);
    await sleep(measureSeconds * 1000);
    // Stamping goes on through the drain: a measured change that a later one replaced before any poll saw it must
    // be told from a lost one, and the later one may come after the measured span.
    const measuredEnd = await simulator.stampCount();
    const cycles = run.cycles.slice(firstCycle).map((cycle) => cycle.durationMs);
    // A stamped change is polled within a cycle and delivered within seconds; two of the longest cycles seen leave
    // room for both (on a busy machine a cycle can take several times the budget's).
    const drainMs = 2 * Math.max(cycleMs, ...cycles) + 2000;
    progress(`stopped stamping; ${round(drainMs / 1000)} s for the last changes to arrive`);
    await sleep(drainMs);
    await simulator.stopStamps();
    const stamps = await simulator.stampsFrom(position);
    measured = {
      stamps,
      measuredCount: measuredEnd - position,
      cycles,
      probeLags: watcher.probeLagsMs.slice(firstProbe),
      counters: await simulator.counters(),
    };
  } finally {
    clearInterval(heartbeat);
    await run.stop().catch((error: unknown) => progress(`worker stop failed: ${String(error)}`));
    await watcher.stop().catch((error: unknown) => progress(`consumer stop failed: ${String(error)}`));
    await simulator.close();
  }
  const match = matchChanges(measured.stamps, watcher.events, (index) => userIdAt(index), measured.measuredCount);
  const summary = {
    users,
    requests,
    windowSeconds,
    latency,
    concurrency,
    churn,
    intervalSeconds,
    warmupSeconds,
    measureSeconds,
    cycleFloorMs: cycleMs,
    measuredCycleMs: median(measured.cycles),
    cycles: measured.cycles.length,
    changeToCommit: percentiles(match.changeToCommitMs),
    changeToObserved: percentiles(match.changeToObservedMs),
    observedToCommit: percentiles(match.observedToCommitMs),
    consumerProbe: percentiles(measured.probeLags),
    probeError: watcher.probeError(),
    stamped: match.stamped,
    seen: match.seen,
    superseded: match.superseded,
    missing: match.missing,
    mismatched: match.mismatched,
    droppedStamps: measured.stamps.dropped,
    throttled: measured.counters.throttled,
    presenceRequests: measured.counters.presenceRequests,
    overruns: run.overruns,
  };
  return { rows: freshnessRows(summary), details: { ...summary, problems: run.problems } };
};
