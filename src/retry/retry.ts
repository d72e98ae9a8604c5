import { setTimeout as sleep } from 'node:timers/promises';
import { toError } from '../errors.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { isRetriable } from './classify.js';

export interface RetryAttemptInfo {
  /** The error that failed this attempt. */
  error: Error;
  /** 1 for the first retry. */
  attempt: number;
  /** How long the loop waits before the next attempt. */
  delayMs: number;
}

export interface RetryOptions {
  policy: BackoffPolicy;
  /** Attempts in all, the first included; absent = until it succeeds, fails for good, or `signal` aborts. */
  maxAttempts?: number;
  /** Ends the loop: the wait is cut short and the last error is thrown. */
  signal?: AbortSignal;
  /** Which errors to retry; default {@link isRetriable}. Everything else is thrown at once. */
  isRetriable?: (error: unknown) => boolean;
  /**
   * A wait the failure itself asks for (a Retry-After) replaces the computed backoff for that attempt.
   * Return undefined to use the backoff.
   */
  requestedDelayMs?: (error: unknown) => number | undefined;
  /** Before each wait: log, count, discard a broken client. A throw here ends the loop with that error. */
  onRetry?: (info: RetryAttemptInfo) => void | Promise<void>;
  /** For tests: the jitter source. */
  random?: () => number;
}

/**
 * Runs `operation` until it succeeds, retrying only what is classified as retriable, with exponential backoff
 * and full jitter between attempts. A non-retriable error, the last attempt's error, or the error in hand when
 * `signal` aborts is thrown unchanged, so the cause reaches the caller as it was.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retriable = options.isRetriable ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (thrown) {
      const lastAttempt = options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts;
      if (!retriable(thrown) || lastAttempt || options.signal?.aborted === true) throw thrown;
      const delayMs = options.requestedDelayMs?.(thrown) ?? backoffDelayMs(attempt, options.policy, options.random);
      await options.onRetry?.({ error: toError(thrown), attempt: attempt + 1, delayMs });
      const woken = await waitUnlessAborted(delayMs, options.signal);
      if (!woken) throw thrown;
    }
  }
}

/** Resolves true after `delayMs`, or false as soon as `signal` aborts (before or during the wait). */
export async function waitUnlessAborted(delayMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return false;
  try {
    await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
    return true;
  } catch (error) {
    // timers/promises rejects with an AbortError when the signal fires mid-wait; anything else is a real fault.
    if (error instanceof Error && error.name === 'AbortError') return false;
    throw error;
  }
}
