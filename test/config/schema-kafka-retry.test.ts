import { describe, expect, it } from 'vitest';
import { kafkaSchema } from '../../src/config/schema-kafka.js';

function problems(input: unknown): string[] {
  return kafkaSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
}

const brokers = ['localhost:9092'];

describe('kafka.retry', () => {
  it('defaults to waits from 500 ms up to 10 s', () => {
    expect(kafkaSchema.parse({ brokers }).retry).toEqual({ initialMs: 500, maxMs: 10_000 });
  });

  it('keeps the ceiling at or above the first wait, as graph.backoff does', () => {
    expect(problems({ brokers, retry: { initialMs: 5_000, maxMs: 1_000 } })).toEqual([
      'retry.maxMs: must be at least retry.initialMs (5000)',
    ]);
    expect(problems({ brokers, retry: { initialMs: 1_000, maxMs: 1_000 } })).toEqual([]);
    // A default on one side still counts: the default ceiling (10 s) below an initial wait of a minute.
    expect(problems({ brokers, retry: { initialMs: 60_000 } })).toEqual([
      'retry.maxMs: must be at least retry.initialMs (60000)',
    ]);
  });

  it('reports only the out-of-range value when one of the two is invalid itself', () => {
    expect(problems({ brokers, retry: { initialMs: 0, maxMs: 1 } })).toEqual([
      expect.stringMatching(/^retry\.initialMs: /),
    ]);
  });
});
