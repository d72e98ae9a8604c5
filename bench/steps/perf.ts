/** The bench steps of one study, in its own file so that studies land without touching each other's plan. */
import type { Step } from '../plan.js';

/**
 * Issue 15, "Close the measured gaps": the raw kafkajs ceiling with the connector's kafkajs replacements
 * (src/kafka/kafkajs-patches.ts: linear grouping per partition, exact-size record encoding), beside the `kafka`
 * step's kafkajs as shipped, and the end-to-end worker with kafkajs as shipped, beside `e2e`, whose worker has
 * them (bench/lib/kafkajs-patch-param.ts). The quick set runs only the first (20,000 events, about 15 s on a quiet
 * machine); the end-to-end one is full-run only.
 */
export function perfSteps(quick: boolean): Step[] {
  const ceiling: Step = {
    label: 'kafka-patched',
    scenario: 'kafka-ceiling',
    params: () => ({ events: quick ? 20_000 : 100_000, repetitions: quick ? 1 : 3, kafkajsPatches: true }),
    timeoutSeconds: quick ? 120 : 600,
  };
  if (quick) return [ceiling];
  return [
    ceiling,
    {
      label: 'e2e-kafkajs-as-shipped',
      scenario: 'end-to-end',
      params: () => ({
        users: 100_000,
        repetitions: 2,
        profile: 0,
        shares: [1],
        kafkajsPatches: false,
      }),
      timeoutSeconds: 900,
    },
  ];
}
