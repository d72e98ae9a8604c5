import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../errors.js';
import type { Logger } from '../observability/index.js';

/**
 * Start-up and hand-over steps meet a broker that is still settling: a topic just created has no leader for a
 * moment, a coordinator is loading. Retry them with backoff until they succeed or the worker stops. A fault no
 * retry cures (a refused transaction feature, a wrong topic layout) is thrown at once.
 */
export async function retryWhileSettling<T>(
  what: string,
  logger: Logger,
  signal: AbortSignal,
  step: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (error instanceof ConnectorError && !error.retriable) throw error;
      if (signal.aborted) throw error;
      const retryInMs = Math.min(30_000, 250 * 2 ** attempt);
      logger.warn({ err: error, attempt: attempt + 1, retryInMs }, `could not ${what} yet; retrying`);
      await sleep(retryInMs, undefined, { signal });
    }
  }
}
