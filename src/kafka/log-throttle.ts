/**
 * How often the same failure is repeated above debug. The first occurrence is logged at once, so the interval only
 * spaces out the repeats of a failure that goes on: one line a minute per cause says "still failing" without
 * drowning what else happens, and stays "a few lines a minute" on a cluster of several brokers, where each broker is
 * a cause of its own. Readiness (/readyz) and the metrics carry the live state; every repeat is at debug. Not a
 * setting: an operator who wants each occurrence reads the debug level.
 */
export const REPEAT_LOG_INTERVAL_MS = 60_000;

/** Past this many keys, those whose interval ran out are forgotten, so unusual messages cannot grow the map. */
const MAX_KEYS = 256;

interface Window {
  /** When a line with this key was last let through. */
  loggedAt: number;
  /** Lines with this key held back since. */
  held: number;
}

/**
 * One line per key (a failure's cause) per interval. Pure bookkeeping: the caller logs what it is let through,
 * with the count of the lines held back since the previous one, and logs the held ones at debug.
 */
export class LogThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly intervalMs: number = REPEAT_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Undefined: a line with this key was let through less than an interval ago, so this one is held back.
   * Otherwise this line goes through, and the result is how many with the same key were held back before it.
   */
  admit(key: string): number | undefined {
    const now = this.now();
    const window = this.windows.get(key);
    if (window !== undefined && now - window.loggedAt < this.intervalMs) {
      window.held++;
      return undefined;
    }
    if (window === undefined && this.windows.size >= MAX_KEYS) this.forgetExpired(now);
    this.windows.set(key, { loggedAt: now, held: 0 });
    return window?.held ?? 0;
  }

  /** Forgets the keys that start with `prefix`: their next line goes through at once (a failure after a recovery). */
  forget(prefix: string): void {
    for (const key of [...this.windows.keys()]) if (key.startsWith(prefix)) this.windows.delete(key);
  }

  private forgetExpired(now: number): void {
    for (const [key, window] of [...this.windows]) {
      if (now - window.loggedAt >= this.intervalMs) this.windows.delete(key);
    }
  }
}
