/** The bench steps of one study, in its own file so that studies land without touching each other's plan. */
import type { Step } from '../plan.js';

/**
 * The soak (bench/scenarios/soak.ts) starts a broker of its own, since it crashes and restarts it. Quick: 3 min at
 * 20,000 users with the same events compressed; full: 30 min at 100,000 users. The timeout leaves room for start-up
 * (broker, simulator, first poll), the worker's graceful stop and the read of the topic.
 */
export function soakSteps(quick: boolean): Step[] {
  return [
    quick
      ? // About 3.5 min: run by `--quick` only when named (`npm run bench -- --quick --only soak`).
        {
          label: 'soak-20k-3m',
          scenario: 'soak',
          params: () => ({ users: 20_000, minutes: 3 }),
          timeoutSeconds: 600,
          onlyWhenNamed: true,
        }
      : {
          label: 'soak-100k-30m',
          scenario: 'soak',
          params: () => ({ users: 100_000, minutes: 30 }),
          timeoutSeconds: 3000,
        },
  ];
}
