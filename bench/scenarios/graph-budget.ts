/**
 * How much of Graph's request budget the worker uses when the budget, not latency, is what limits it: the
 * simulator enforces `requests` per sliding `windowSeconds` (429 beyond) and the worker is configured with the
 * same budget. 100,000 users are 154 requests a cycle, far more than the budget admits, so cycles run back to
 * back and the worker always has a request waiting. Share used = requests that arrived in a window / budget.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnectorRun } from '../lib/connector-run.js';
import {
  numberParam,
  progress,
  round,
  stringParam,
  type FigureRow,
  type Scenario,
  type ScenarioContext,
} from '../lib/scenario.js';
import { startSimulatorProcess } from '../lib/simulator-process.js';

/**
 * BUDGET_SAFETY_MARGIN_MS of src/pipeline/graph-wiring.ts (not exported). RequestBudget counts a request from
 * its send until its response plus this margin, so a worker that always has a request waiting can use at most
 * window / (window + response time + margin) of the budget.
 */
const WORKER_SAFETY_MARGIN_MS = 100;

export const graphBudget: Scenario = async (context: ScenarioContext) => {
  const userCount = numberParam(context, 'users', 100_000);
  const requests = numberParam(context, 'requests', 100);
  const windowSeconds = numberParam(context, 'windowSeconds', 5);
  const windows = numberParam(context, 'windows', 6);
  const latencyMs = numberParam(context, 'latencyMs', 50);
  const simulator = await startSimulatorProcess({
    userCount,
    autoChurn: false,
    faults: { latency: { kind: 'fixed', ms: latencyMs } },
    budget: { requests, windowSeconds, window: 'sliding' },
  });
  // On a state topic written by prefill-state every presence is a duplicate: Kafka has nothing to do, and the
  // budget alone paces the cycles. Without one the first cycle is a snapshot of everyone.
  const fresh = `bench-budget-${randomBytes(4).toString('hex')}`;
  const connectorName = stringParam(context, 'connectorName', fresh);
  const run = createConnectorRun({
    simulator: simulator.info,
    simulatorPid: simulator.pid,
    brokers: context.brokers,
    brokerPid: context.brokerPid,
    userCount,
    connectorName,
    topic: stringParam(context, 'topic', connectorName),
    kafka: { stateTopic: stringParam(context, 'stateTopic', `${connectorName}.presence-state`) },
    graph: { concurrency: 4, requestBudget: { maxRequests: requests, windowSeconds } },
    polling: { intervalSeconds: 1 },
  });
  let arrivals;
  let counters;
  try {
    await run.start();
    progress(
      `polling ${userCount} users under a budget of ${requests} per ${windowSeconds} s for ${windows + 1} windows`,
    );
    await sleep((windows + 1.2) * windowSeconds * 1000);
    arrivals = (await simulator.arrivals()).map((arrival) => arrival.atMs).sort((a, b) => a - b);
    counters = await simulator.counters();
  } finally {
    await run.stop().catch((error: unknown) => progress(`worker stop failed: ${String(error)}`));
    await simulator.close();
  }
  const windowMs = windowSeconds * 1000;
  const first = arrivals[0] ?? 0;
  // Window 0 starts with the first request; it is the start-up burst and is reported but not counted.
  const perWindow = Array.from(
    { length: windows + 1 },
    (_, k) => arrivals.filter((at) => at >= first + k * windowMs && at < first + (k + 1) * windowMs).length,
  );
  const steady = perWindow.slice(1);
  const shares = steady.map((count) => round((100 * count) / requests, 1));
  const meanShare = shares.reduce((sum, share) => sum + share, 0) / Math.max(1, shares.length);
  let busiest = 0;
  for (let start = 0, end = 0; start < arrivals.length; start++) {
    while (end < arrivals.length && (arrivals[end] ?? 0) < (arrivals[start] ?? 0) + windowMs) end++;
    busiest = Math.max(busiest, end - start);
  }
  const ceiling = (100 * windowMs) / (windowMs + latencyMs + WORKER_SAFETY_MARGIN_MS);
  const label = `${requests} per ${windowSeconds} s`;
  const rows: FigureRow[] = [
    {
      section: 'graph',
      figure: `budget ${label}: share used per window (steady state)`,
      value: round(meanShare, 1),
      unit: '%',
      target: '>= 95 %',
      met: meanShare >= 95,
      note: `windows: ${shares.join(', ')} %; counting each request until its response + ${WORKER_SAFETY_MARGIN_MS} ms caps it near ${round(ceiling, 1)} %`,
    },
    {
      section: 'graph',
      figure: `budget ${label}: 429 responses`,
      value: counters.throttled,
      unit: 'responses',
      target: '0',
      met: counters.throttled === 0,
      note: `${counters.presenceRequests} requests; busiest ${windowSeconds} s span held ${busiest} (limit ${requests})`,
    },
  ];
  return {
    rows,
    details: {
      userCount,
      requests,
      windowSeconds,
      latencyMs,
      perWindow,
      shares,
      meanShare,
      busiest,
      ceiling,
      counters,
      problems: run.problems,
    },
  };
};
