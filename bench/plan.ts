/** Which scenarios `npm run bench` runs, with which sizes, in the full and the quick set. */
import type { StepOutcome } from './run.js';
import { adaptiveRateSteps } from './steps/adaptive-rate.js';
import { freshnessSteps } from './steps/freshness.js';
import { perfSteps } from './steps/perf.js';
import { prefilled } from './steps/prefilled.js';
import { soakSteps } from './steps/soak.js';
import { takeoverSteps } from './steps/takeover.js';

/** Studies that keep their steps in bench/steps/, run after the core set in this order. */
function studySteps(quick: boolean): Step[] {
  return [
    ...perfSteps(quick),
    ...freshnessSteps(quick),
    ...adaptiveRateSteps(quick),
    ...takeoverSteps(quick),
    ...soakSteps(quick),
  ];
}

export interface Step {
  /** Unique; `--only` matches its prefix. */
  label: string;
  scenario: string;
  params: (earlier: readonly StepOutcome[]) => Record<string, unknown>;
  timeoutSeconds: number;
  /** Steps whose results this one reads; `--only` runs them too. */
  needs?: string[];
  /**
   * Runs only when `--only` names it: the quick set's longer steps, so that `--quick` alone stays under 2 minutes
   * (issue 15) while their short variants (the soak's, issue 16) stay one `--only` away.
   */
  onlyWhenNamed?: boolean;
}

/** The step, run by `--quick` only when `--only` names it. */
function named(step: Step): Step {
  return { ...step, onlyWhenNamed: true };
}

/** A prefill, then no-change poll cycles at 50 ms Graph latency and, where given, at more latencies. */
function scaleSteps(
  users: number,
  name: string,
  cycles: number,
  timeoutSeconds: number,
  moreLatenciesMs: readonly number[] = [],
): Step[] {
  const prefill = `scale-${name}-prefill`;
  const scaleStep = (latencyMs: number): Step => ({
    label: latencyMs === 50 ? `scale-${name}` : `scale-${name}-${latencyMs}ms`,
    scenario: 'scale',
    params: (earlier) => ({ users, cycles, latencyMs, concurrency: 4, ...prefilled(earlier, prefill) }),
    timeoutSeconds,
    needs: [prefill],
  });
  return [
    { label: prefill, scenario: 'prefill-state', params: () => ({ users }), timeoutSeconds },
    scaleStep(50),
    ...moreLatenciesMs.map(scaleStep),
  ];
}

function budgetStep(users: number, prefill: string, requests: number, windowSeconds: number, windows: number): Step {
  return {
    label: `budget-${requests}-per-${windowSeconds}s`,
    scenario: 'graph-budget',
    params: (earlier) => ({ users, requests, windowSeconds, windows, latencyMs: 50, ...prefilled(earlier, prefill) }),
    timeoutSeconds: (windows + 2) * windowSeconds + 120,
    needs: [prefill],
  };
}

function memorySteps(users: readonly number[]): Step[] {
  return (['poll', 'restore'] as const).flatMap((path) =>
    users.map((count): Step => ({
      label: `memory-${count >= 1_000_000 ? `${count / 1_000_000}m` : `${count / 1000}k`}-${path}`,
      scenario: 'state-memory',
      params: () => ({ users: count, path }),
      timeoutSeconds: 300,
    })),
  );
}

/** Discovery of a whole tenant (bench/scenarios/discovery.ts): no Kafka, a simulator child of its own. */
function discoveryStep(users: number, timeoutSeconds: number): Step {
  return {
    label: `discovery-${users >= 1_000_000 ? `${users / 1_000_000}m` : `${users / 1000}k`}`,
    scenario: 'discovery',
    params: () => ({ users }),
    timeoutSeconds,
  };
}

export function planSteps(quick: boolean): Step[] {
  if (quick) {
    return [
      {
        label: 'simulator',
        scenario: 'simulator-throughput',
        params: () => ({ users: 100_000, seconds: 3, connections: 4 }),
        timeoutSeconds: 60,
      },
      {
        label: 'kafka',
        scenario: 'kafka-ceiling',
        params: () => ({ events: 20_000, repetitions: 1 }),
        timeoutSeconds: 120,
      },
      {
        label: 'e2e',
        scenario: 'end-to-end',
        params: () => ({ users: 20_000, repetitions: 1, profile: 0 }),
        timeoutSeconds: 180,
      },
      // The same worker without the table and watermark topics: what those default outputs cost end to end.
      named({
        label: 'e2e-table-off',
        scenario: 'end-to-end',
        params: () => ({ users: 20_000, repetitions: 1, profile: 0, shares: [1], table: 'off', watermarks: 'off' }),
        timeoutSeconds: 180,
      }),
      // The same worker without record headers: what the default CloudEvents headers cost end to end.
      named({
        label: 'e2e-headers-none',
        scenario: 'end-to-end',
        params: () => ({ users: 20_000, repetitions: 1, profile: 0, shares: [1], headers: 'none' }),
        timeoutSeconds: 180,
      }),
      ...scaleSteps(20_000, '20k', 2, 120),
      // 20,000 users are 31 requests a cycle: more than 100 per 5 s allows at one cycle a second.
      budgetStep(20_000, 'scale-20k-prefill', 100, 5, 2),
      ...memorySteps([100_000]).map(named),
      // About 10 s on a quiet machine, 100k being the smallest size the issue asks for.
      named(discoveryStep(100_000, 180)),
      ...studySteps(quick),
    ];
  }
  return [
    {
      label: 'simulator',
      scenario: 'simulator-throughput',
      params: () => ({ users: 1_000_000, seconds: 5, connections: 4 }),
      timeoutSeconds: 120,
    },
    {
      label: 'kafka',
      scenario: 'kafka-ceiling',
      params: () => ({ events: 100_000, repetitions: 3 }),
      timeoutSeconds: 600,
    },
    {
      label: 'e2e',
      scenario: 'end-to-end',
      params: () => ({ users: 100_000, repetitions: 2, profile: 1 }),
      timeoutSeconds: 900,
    },
    {
      label: 'e2e-table-off',
      scenario: 'end-to-end',
      params: () => ({ users: 100_000, repetitions: 2, profile: 0, shares: [1], table: 'off', watermarks: 'off' }),
      timeoutSeconds: 900,
    },
    {
      label: 'e2e-headers-none',
      scenario: 'end-to-end',
      params: () => ({ users: 100_000, repetitions: 2, profile: 0, shares: [1], headers: 'none' }),
      timeoutSeconds: 900,
    },
    ...scaleSteps(10_000, '10k', 5, 300),
    ...scaleSteps(100_000, '100k', 4, 600),
    // Issue 15's overhead targets are at 1M users, at 50 ms and at 100 ms of Graph latency.
    ...scaleSteps(1_000_000, '1m', 3, 900, [100]),
    budgetStep(100_000, 'scale-100k-prefill', 100, 5, 6),
    budgetStep(100_000, 'scale-100k-prefill', 1500, 30, 2),
    ...memorySteps([100_000, 1_000_000]),
    discoveryStep(100_000, 300),
    // About 65 s on a quiet machine (a 21 s full round of 10,000 pages); the simulator alone takes a while to start.
    discoveryStep(1_000_000, 900),
    ...studySteps(quick),
  ];
}
