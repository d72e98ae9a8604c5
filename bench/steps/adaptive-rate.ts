/** The bench steps of one study, in its own file so that studies land without touching each other's plan. */
import type { Step } from '../plan.js';

/**
 * Learning Graph's real limit (bench/scenarios/adaptive-rate.ts), full set only: the numbers need at least
 * 7 minutes (2 of warm-up, 5 measured), and a scaled-down version is the integration test
 * test/integration/adaptive-rate.test.ts. The second step checks that a budget Graph honours changes nothing.
 */
export function adaptiveRateSteps(quick: boolean): Step[] {
  if (quick) return [];
  return [
    {
      label: 'adaptive-rate-default-budget',
      scenario: 'adaptive-rate',
      params: () => ({ users: 20_000, requests: 40, windowSeconds: 10, seconds: 450, warmUpSeconds: 120 }),
      timeoutSeconds: 600,
    },
    {
      label: 'adaptive-rate-correct-budget',
      scenario: 'adaptive-rate',
      params: () => ({
        users: 20_000,
        requests: 40,
        windowSeconds: 10,
        seconds: 90,
        warmUpSeconds: 30,
        configured: 'graph',
      }),
      timeoutSeconds: 240,
    },
  ];
}
