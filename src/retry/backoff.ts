/** How long to wait between attempts: exponential growth from `initialMs`, capped at `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The exponent stops growing here: 2^20 times any sane initial delay is far past every cap. */
const MAX_EXPONENT = 20;

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(maxMs, initialMs * 2^attempt)].
 * Full jitter spreads the retries of many clients (every producer of a worker, every worker of a tenant) over
 * the whole window instead of letting them retry in lockstep after a shared outage.
 * `attempt` counts from 0 for the first retry.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt), MAX_EXPONENT);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(random() * ceiling);
}

/**
 * Retry-After is delta-seconds (Graph sends decimals such as `2.128`) or an HTTP date.
 * Returns milliseconds, or undefined when the header is absent or unreadable.
 */
export function parseRetryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
