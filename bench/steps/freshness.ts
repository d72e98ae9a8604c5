/**
 * The bench steps of one study, in its own file so that studies land without touching each other's plan.
 * Freshness (bench/scenarios/freshness.ts): change-to-commit latency under Graph's documented budget, 100k and 1M
 * users on a prefilled state topic (so the first cycle is no million-event snapshot); the quick variant polls
 * 20,000 users under a budget scaled down to a 1.55 s cycle, from an empty topic.
 */
import type { Step } from '../plan.js';
import { prefilled } from './prefilled.js';

function documentedBudgetSteps(users: number, name: string, measureSeconds: number, timeoutSeconds: number): Step[] {
  const prefill = `freshness-${name}-prefill`;
  return [
    { label: prefill, scenario: 'prefill-state', params: () => ({ users }), timeoutSeconds },
    {
      label: `freshness-${name}`,
      scenario: 'freshness',
      // The documented budget, 100-300 ms per request, 3 % of the users changing a minute.
      params: (earlier) => ({
        users,
        requests: 1500,
        windowSeconds: 30,
        latencyMinMs: 100,
        latencyMaxMs: 300,
        concurrency: 16,
        churn: 0.03,
        measureSeconds,
        ...prefilled(earlier, prefill),
      }),
      timeoutSeconds,
      needs: [prefill],
    },
  ];
}

export function freshnessSteps(quick: boolean): Step[] {
  if (quick) {
    return [
      {
        label: 'freshness-20k',
        scenario: 'freshness',
        // 31 requests a cycle at 20 per second: a 1.55 s cycle; about 20 s on a quiet machine.
        params: () => ({
          users: 20_000,
          requests: 100,
          windowSeconds: 5,
          concurrency: 8,
          churn: 0.1,
          warmupSeconds: 4,
          measureSeconds: 8,
        }),
        timeoutSeconds: 120,
      },
    ];
  }
  return [...documentedBudgetSteps(100_000, '100k', 60, 600), ...documentedBudgetSteps(1_000_000, '1m', 124, 900)];
}
