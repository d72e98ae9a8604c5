/**
 * A discrete-time model of workers sending to Graph, for the rate controller's tests: each worker always has a
 * request waiting, sends when its controller, its concurrency and any Retry-After let it, and Graph decides with the
 * simulator's own sliding-window budget (src/simulator/budget.ts) when a request arrives, half a round trip after
 * it left. Throttled requests count in Graph's window, as in the simulator and in Graph.
 */
import { AdaptiveRate, type RateChange } from '../../src/graph/adaptive-rate.js';
import { createBudget } from '../../src/simulator/budget.js';
import { createRandom } from '../../src/simulator/random.js';

export interface ModelOptions {
  workers: number;
  /** What Graph grants the app: requests per window. */
  graphRequests: number;
  graphWindowMs: number;
  /** Each worker's share of the configured budget, requests per second. */
  ceilingPerSecond: number;
  measureMs: number;
  recoveryMs: number;
  durationMs: number;
  roundTripMs?: number;
  concurrency?: number;
  seed?: number;
  /** Worker i starts at i * startGapMs. */
  startGapMs?: number;
  /** Until `untilMs` each worker sends at most one request per `gapMs` (busy elsewhere, e.g. a first snapshot). */
  slowStart?: { gapMs: number; untilMs: number };
}

export interface ModelRun {
  /** Time of every 429 answer, per worker. */
  throttledAt: number[][];
  /** Arrival time of every admitted request, all workers. */
  admittedAt: number[];
  changes: RateChange[][];
  finalRates: number[];
}

interface ModelWorker {
  rate: AdaptiveRate;
  inFlight: number;
  pausedUntil: number;
  startAt: number;
  lastSentAt: number;
}

interface InFlight {
  worker: number;
  sentAt: number;
  arrivesAt: number;
  answersAt: number;
  status?: number;
  retryAfterMs?: number;
}

export function runModel(options: ModelOptions): ModelRun {
  const roundTripMs = options.roundTripMs ?? 50;
  const concurrency = options.concurrency ?? 4;
  const random = createRandom(options.seed ?? 1);
  const graph = createBudget(options.graphRequests, options.graphWindowMs, 'sliding');
  const run: ModelRun = {
    throttledAt: [],
    admittedAt: [],
    changes: [],
    finalRates: [],
  };
  const workers: ModelWorker[] = Array.from({ length: options.workers }, (_, index) => {
    const changes: RateChange[] = [];
    run.changes.push(changes);
    run.throttledAt.push([]);
    return {
      rate: new AdaptiveRate({
        ceilingPerSecond: options.ceilingPerSecond,
        recoveryMs: options.recoveryMs,
        measureMs: options.measureMs,
        random,
        now: () => 0,
        onChange: (change) => changes.push(change),
      }),
      inFlight: 0,
      pausedUntil: 0,
      startAt: index * (options.startGapMs ?? 0),
      lastSentAt: Number.NEGATIVE_INFINITY,
    };
  });
  let requests: InFlight[] = [];
  for (let now = 0; now < options.durationMs; now++) {
    for (const request of requests) {
      if (request.arrivesAt !== now) continue;
      const decision = graph.take(now);
      request.status = decision.admitted ? 200 : 429;
      request.retryAfterMs = decision.admitted ? undefined : decision.retryAfterMs;
      if (decision.admitted) run.admittedAt.push(now);
    }
    requests = requests.filter((request) => {
      if (request.answersAt !== now) return true;
      const worker = workers[request.worker];
      if (worker === undefined) return false;
      worker.inFlight--;
      if (request.status === 429) {
        run.throttledAt[request.worker]?.push(now);
        worker.pausedUntil = Math.max(worker.pausedUntil, now + (request.retryAfterMs ?? 0));
      }
      worker.rate.answered(request.sentAt, request.status ?? 0, request.retryAfterMs, now);
      return false;
    });
    workers.forEach((worker, index) => {
      while (
        now >= worker.startAt &&
        worker.inFlight < concurrency &&
        now >= worker.pausedUntil &&
        worker.rate.delayMs(now) <= 0 &&
        !slowedDown(options, worker, now)
      ) {
        worker.rate.sent(now);
        worker.lastSentAt = now;
        worker.inFlight++;
        const jitter = Math.floor(random() * 3);
        requests.push({
          worker: index,
          sentAt: now,
          arrivesAt: now + Math.floor(roundTripMs / 2) + jitter,
          answersAt: now + roundTripMs + jitter,
        });
      }
    });
  }
  run.finalRates = workers.map((worker) => worker.rate.ratePerSecond);
  return run;
}

function slowedDown(options: ModelOptions, worker: ModelWorker, now: number): boolean {
  const slow = options.slowStart;
  return slow !== undefined && now < slow.untilMs && now < worker.lastSentAt + slow.gapMs;
}

/** 429s answered in [fromMs, toMs), all workers. */
export function throttledBetween(run: ModelRun, fromMs: number, toMs: number): number {
  return run.throttledAt.flat().filter((at) => at >= fromMs && at < toMs).length;
}

/** Admitted requests in [fromMs, toMs) over what Graph grants in that time. */
export function shareUsed(run: ModelRun, options: ModelOptions, fromMs: number, toMs: number): number {
  const admitted = run.admittedAt.filter((at) => at >= fromMs && at < toMs).length;
  return admitted / ((options.graphRequests * (toMs - fromMs)) / options.graphWindowMs);
}
