import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { retry, waitUnlessAborted, type RetryAttemptInfo } from '../../src/retry/retry.js';

const fast = { initialMs: 1, maxMs: 4 };
const transient = (): ConnectorError =>
  new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away', { retriable: true });

describe('retry', () => {
  it('retries a retriable failure until the operation succeeds, reporting each retry', async () => {
    const seen: RetryAttemptInfo[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw transient();
        return 'done';
      },
      { policy: fast, onRetry: (info) => void seen.push(info) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(seen.map((info) => info.attempt)).toEqual([1, 2, 3]);
    expect(seen.every((info) => info.error instanceof ConnectorError && info.delayMs <= 4)).toBe(true);
  });

  it('throws a non-retriable error at once, unchanged, without a retry', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    let calls = 0;
    let retries = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw bug;
        },
        { policy: fast, onRetry: () => void retries++ },
      ),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
    expect(retries).toBe(0);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const errors = [transient(), transient(), transient()];
    let calls = 0;
    await expect(
      retry(
        async () => {
          throw errors[calls++] ?? new Error('called more often than maxAttempts');
        },
        { policy: fast, maxAttempts: 3 },
      ),
    ).rejects.toBe(errors[2]);
    expect(calls).toBe(3);
  });

  it('uses a delay the failure asks for instead of the backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    await retry(
      async () => {
        if (calls++ === 0) throw transient();
      },
      {
        policy: { initialMs: 60_000, maxMs: 60_000 },
        requestedDelayMs: () => 5,
        onRetry: (i) => void delays.push(i.delayMs),
      },
    );
    expect(delays).toEqual([5]);
  });

  it('stops waiting as soon as the signal aborts and throws the error in hand', async () => {
    const controller = new AbortController();
    const error = transient();
    const started = Date.now();
    const pending = retry(
      async () => {
        throw error;
      },
      { policy: { initialMs: 60_000, maxMs: 60_000 }, random: () => 1, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBe(error);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('ends the loop with the error of a failing onRetry hook', async () => {
    const hookError = new Error('could not discard the producer');
    await expect(
      retry(
        async () => {
          throw transient();
        },
        {
          policy: fast,
          onRetry: () => {
            throw hookError;
          },
        },
      ),
    ).rejects.toBe(hookError);
  });
});

describe('waitUnlessAborted', () => {
  it('says false for a signal already aborted, true after a completed wait', async () => {
    expect(await waitUnlessAborted(1, AbortSignal.abort())).toBe(false);
    expect(await waitUnlessAborted(1, undefined)).toBe(true);
  });
});
