/**
 * Learning Graph's real limit (issue 16): the simulator grants `requests` per sliding `windowSeconds` while the
 * worker is configured with the default budget (1,500 per 30 s), far above it. 20,000 users are 31 requests a
 * cycle and the worker polls every second, so it always has a request waiting and only Graph's grant limits it.
 * The figures: the 429s after `warmUpSeconds`, and the share of Graph's grant used in the same span (requests
 * Graph admitted over what it grants). A run with the worker configured to Graph's real budget (`configured:
 * 'graph'`) checks that nothing changes when the budget is right: all of it used, no 429.
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
import type { Arrival } from '../lib/simulator-protocol.js';

interface RateSample {
  atSeconds: number;
  limitPerSecond: number;
}

export const adaptiveRate: Scenario = async (context: ScenarioContext) => {
  const userCount = numberParam(context, 'users', 20_000);
  const requests = numberParam(context, 'requests', 40);
  const windowSeconds = numberParam(context, 'windowSeconds', 10);
  const seconds = numberParam(context, 'seconds', 450);
  const warmUpSeconds = numberParam(context, 'warmUpSeconds', 120);
  const recoverySeconds = numberParam(context, 'recoverySeconds', 300);
  const latencyMs = numberParam(context, 'latencyMs', 50);
  // 'default': the default budget (1,500 per 30 s); 'graph': exactly what the simulator grants.
  const configured = stringParam(context, 'configured', 'default');
  const simulator = await startSimulatorProcess({
    userCount,
    autoChurn: false,
    faults: { latency: { kind: 'fixed', ms: latencyMs } },
    budget: { requests, windowSeconds, window: 'sliding' },
  });
  const connectorName = `bench-adaptive-${randomBytes(4).toString('hex')}`;
  const requestBudget =
    configured === 'graph'
      ? { maxRequests: requests, windowSeconds, recoverySeconds }
      : { maxRequests: 1500, windowSeconds: 30, recoverySeconds };
  const run = createConnectorRun({
    simulator: simulator.info,
    simulatorPid: simulator.pid,
    brokers: context.brokers,
    brokerPid: context.brokerPid,
    userCount,
    connectorName,
    topic: connectorName,
    graph: { concurrency: 4, requestBudget },
    polling: { intervalSeconds: 1 },
  });
  const rates: RateSample[] = [];
  let arrivals: Arrival[];
  try {
    await run.start();
    const label = `${requests} per ${windowSeconds} s`;
    progress(`Graph grants ${label}, the worker is configured ${configured}; polling for ${seconds} s`);
    const started = performance.now();
    for (let elapsed = 0; elapsed < seconds; elapsed = (performance.now() - started) / 1000) {
      await sleep(Math.min(5_000, (seconds - elapsed) * 1000));
      const limitPerSecond = (await run.metrics.graphRequestRateLimit.get()).values[0]?.value ?? Number.NaN;
      rates.push({ atSeconds: round((performance.now() - started) / 1000), limitPerSecond: round(limitPerSecond, 2) });
      if (rates.length % 12 === 0) progress(`${round(elapsed)} s: request rate limit ${round(limitPerSecond, 2)}/s`);
    }
    arrivals = (await simulator.arrivals()).sort((a, b) => a.atMs - b.atMs);
  } finally {
    await run.stop().catch((error: unknown) => progress(`worker stop failed: ${String(error)}`));
    await simulator.close();
  }
  return summarize({
    arrivals,
    rates,
    requests,
    windowSeconds,
    seconds,
    warmUpSeconds,
    configured,
    problems: run.problems,
  });
};

function summarize(input: {
  arrivals: Arrival[];
  rates: RateSample[];
  requests: number;
  windowSeconds: number;
  seconds: number;
  warmUpSeconds: number;
  configured: string;
  problems: string[];
}): { rows: FigureRow[]; details: Record<string, unknown> } {
  const { arrivals, requests, windowSeconds, warmUpSeconds, configured } = input;
  const first = arrivals[0]?.atMs ?? 0;
  const last = arrivals.at(-1)?.atMs ?? first;
  const from = first + warmUpSeconds * 1000;
  const measured = arrivals.filter((arrival) => arrival.atMs >= from);
  const measuredSeconds = Math.max(0, (last - from) / 1000);
  const throttledAfter = measured.filter((arrival) => arrival.status === 429).length;
  const throttledBefore = arrivals.filter((arrival) => arrival.atMs < from && arrival.status === 429).length;
  const admitted = measured.filter((arrival) => arrival.status !== 429).length;
  const granted = (requests * measuredSeconds) / windowSeconds;
  const share = granted > 0 ? (100 * admitted) / granted : 0;
  const perFiveMinutes = measuredSeconds > 0 ? (throttledAfter * 300) / measuredSeconds : 0;
  const label = `Graph ${requests} per ${windowSeconds} s, budget ${configured === 'graph' ? 'the same' : 'default'}`;
  const throttledTarget = configured === 'graph' ? '0' : '<= 1 per 5 min';
  const rows: FigureRow[] = [
    {
      section: 'graph',
      figure: `adaptive rate, ${label}: 429s after the first ${warmUpSeconds} s`,
      value: throttledAfter,
      unit: 'responses',
      target: throttledTarget,
      met: configured === 'graph' ? throttledAfter === 0 : perFiveMinutes <= 1,
      note: `${round(measuredSeconds)} s measured (${round(perFiveMinutes, 2)} per 5 min); ${throttledBefore} in the first ${warmUpSeconds} s`,
    },
    {
      section: 'graph',
      figure: `adaptive rate, ${label}: share of Graph's grant used after ${warmUpSeconds} s`,
      value: round(share, 1),
      unit: '%',
      target: configured === 'graph' ? '>= 95 %' : '>= 90 %',
      met: share >= (configured === 'graph' ? 95 : 90),
      note: `${admitted} admitted of ${round(granted)} granted; rate limit at the end ${input.rates.at(-1)?.limitPerSecond ?? '?'}/s`,
    },
  ];
  return {
    rows,
    details: {
      ...input,
      arrivals: undefined,
      requestsTotal: arrivals.length,
      throttledAfter,
      throttledBefore,
      admitted,
      granted,
      share,
      measuredSeconds,
      throttledAt: arrivals
        .filter((arrival) => arrival.status === 429)
        .map((arrival) => round((arrival.atMs - first) / 1000, 1)),
    },
  };
}
