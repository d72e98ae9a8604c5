/** How a trap run records what each call did: its outcome as the library reports it, and how long it took. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TopicBatch } from '../../../src/kafka/index.js';
import type { ClientUnderTest, ErrorFacts } from './client.js';

export interface StepOutcome {
  step: string;
  ms: number;
  /** skipped: an earlier step that should have produced the producer or transaction failed. */
  result: 'ok' | 'failed' | 'hung' | 'skipped';
  error?: ErrorFacts;
}

/** Thrown by {@link need} for a step whose producer or transaction an earlier failure left missing. */
class Skipped extends Error {}

/** The producer or transaction a step works on; a step without one is recorded as skipped, not as a success. */
export function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Skipped('an earlier step failed');
  return value;
}

export class StepLog {
  readonly steps: StepOutcome[] = [];
  constructor(private readonly client: ClientUnderTest) {}

  /** Runs one call, bounded by `timeoutMs`; a failure is recorded, not thrown. True when it succeeded. */
  async attempt(step: string, call: () => Promise<unknown>, timeoutMs = 60_000): Promise<boolean> {
    const started = performance.now();
    const bounded = sleep(timeoutMs, 'hung' as const, { ref: false });
    const outcome = await Promise.race([call().then(() => 'ok' as const), bounded]).catch((error: unknown) => error);
    const ms = Math.round(performance.now() - started);
    if (outcome instanceof Skipped) {
      this.steps.push({ step, ms, result: 'skipped' });
      process.stderr.write(`  ${this.client.name}: ${step}: skipped\n`);
      return false;
    }
    if (outcome === 'ok' || outcome === 'hung') {
      this.steps.push({ step, ms, result: outcome });
      process.stderr.write(`  ${this.client.name}: ${step}: ${outcome} (${ms} ms)\n`);
      return outcome === 'ok';
    }
    const error = this.client.describeError(outcome);
    this.steps.push({ step, ms, result: 'failed', error });
    process.stderr.write(
      `  ${this.client.name}: ${step}: failed (${ms} ms) ${error.kind} fenced=${error.fenced} retriable=${String(error.retriable)}: ${error.message}\n`,
    );
    return false;
  }

  /** Like attempt, for a call whose value the trap needs next; undefined when it failed or hung. */
  async value<T>(step: string, call: () => Promise<T>, timeoutMs = 60_000): Promise<T | undefined> {
    let result: T | undefined;
    await this.attempt(
      step,
      async () => {
        result = await call();
      },
      timeoutMs,
    );
    return result;
  }
}

/** `count` small records keyed `<prefix>-<n>`, one batch on one topic. */
export function keyedBatch(topic: string, prefix: string, count: number, partition?: number): TopicBatch {
  return {
    topic,
    records: Array.from({ length: count }, (_, index) => ({
      key: `${prefix}-${index}`,
      value: Buffer.from(`value of ${prefix}-${index}`),
      ...(partition === undefined ? {} : { partition }),
    })),
  };
}

/** Committed keys by prefix, and whether any key was committed twice. */
export function tally(keys: readonly string[]): { byPrefix: Record<string, number>; duplicates: number } {
  const byPrefix: Record<string, number> = {};
  for (const key of keys) {
    const prefix = key.slice(0, key.lastIndexOf('-'));
    byPrefix[prefix] = (byPrefix[prefix] ?? 0) + 1;
  }
  return { byPrefix, duplicates: keys.length - new Set(keys).size };
}
