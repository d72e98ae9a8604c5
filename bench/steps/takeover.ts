/** The bench steps of one study, in its own file so that studies land without touching each other's plan. */
import type { Step } from '../plan.js';

/**
 * Takeover after SIGKILL and SIGTERM with three worker processes (bench/scenarios/takeover.ts): at the default
 * session timeout (10 s) and at the broker's minimum (6 s), three departures of each kind; one each in --quick.
 */
export function takeoverSteps(quick: boolean): Step[] {
  const step = (sessionTimeoutMs: number, heartbeatIntervalMs: number, repetitions: number): Step => ({
    label: `takeover-${sessionTimeoutMs / 1000}s`,
    scenario: 'takeover',
    params: () => ({ workers: 3, shards: 6, usersPerShard: 50, sessionTimeoutMs, heartbeatIntervalMs, repetitions }),
    // Per departure: the session timeout, a rejoin and a restore, then a newcomer's join; plus the start.
    timeoutSeconds: 120 + repetitions * 2 * (sessionTimeoutMs / 1000 + 60),
  });
  // About 40 s even quick: run by `--quick` only when named (`--only takeover`).
  return quick ? [{ ...step(10_000, 3_000, 1), onlyWhenNamed: true }] : [step(10_000, 3_000, 3), step(6_000, 2_000, 3)];
}
