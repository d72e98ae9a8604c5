/** What a `prefill-state` step hands to the steps that poll or restore on its state topic. */
import type { StepOutcome } from '../run.js';

/** The topics and connector name the prefill step `label` wrote. */
export function prefilled(earlier: readonly StepOutcome[], label: string): Record<string, unknown> {
  const details = earlier.find((outcome) => outcome.label === label)?.result?.details ?? {};
  return { connectorName: details['connectorName'], topic: details['topic'], stateTopic: details['stateTopic'] };
}
