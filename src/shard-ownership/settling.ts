import { isConnectorError } from '../errors.js';
import type { Logger } from '../observability/index.js';
import { retry, type BackoffPolicy } from '../retry/index.js';

/**
 * Not a setting: these steps wait for the broker to settle (a leader elected, a coordinator loaded), which
 * takes as long as it takes whatever the operator configures; the cap keeps a worker from idling long after.
 */
const SETTLING: BackoffPolicy = { initialMs: 250, maxMs: 30_000 };

/** A broker settling usually takes a retry or two after a topic is created: only a longer wait is worth a warning. */
const QUIET_ATTEMPTS = 2;

/**
 * Start-up and hand-over steps meet a broker that is still settling: a topic just created has no leader for a
 * moment, a coordinator is loading. Retry them with backoff until they succeed or the worker stops. Only what
 * is classified retriable is retried; a fault no retry cures (a refused transaction feature, a wrong topic
 * layout, a bug) is thrown at once.
 */
export function retryWhileSettling<T>(
  what: string,
  logger: Logger,
  signal: AbortSignal,
  step: () => Promise<T>,
): Promise<T> {
  return retry(step, {
    policy: SETTLING,
    signal,
    onRetry: ({ error, attempt, delayMs }) => {
      // The stack is for debugging; an operator needs the reason, and only once the wait is not routine.
      logger.debug({ err: error, attempt, retryInMs: delayMs }, `could not ${what} yet; retrying`);
      if (attempt <= QUIET_ATTEMPTS) return;
      logger.warn(
        { error: error.message, ...(isConnectorError(error) ? { code: error.code } : {}), attempt, retryInMs: delayMs },
        `could not ${what} yet; retrying`,
      );
    },
  });
}
