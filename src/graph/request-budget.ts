import { setTimeout as sleep } from 'node:timers/promises';

export interface RequestBudgetOptions {
  /** Requests allowed per window for this app in this tenant (Graph documents 1,500 per 30 s). */
  maxRequests: number;
  windowMs: number;
  /**
   * Added to the window because Graph counts requests when they arrive, not when we send them: latency jitter
   * can otherwise squeeze max+1 arrivals into one of Graph's windows.
   */
  safetyMarginMs?: number;
  now?: () => number;
}

/**
 * A sliding-window request budget shared by every request to one tenant, plus the tenant-wide pause that a
 * Retry-After imposes. A sliding window never exceeds the limit in any window, so it is also safe if Graph
 * counts in fixed windows. Waiters are served first come, first served.
 */
export class RequestBudget {
  private readonly sendTimes: Float64Array;
  private nextSlot = 0;
  private pausedUntil = 0;
  private queueTail: Promise<void> = Promise.resolve();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: RequestBudgetOptions) {
    this.sendTimes = new Float64Array(options.maxRequests).fill(Number.NEGATIVE_INFINITY);
    this.windowMs = options.windowMs + (options.safetyMarginMs ?? 0);
    this.now = options.now ?? Date.now;
  }

  /** Resolves when a request may be sent now, and counts it. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queueTail.then(() => this.waitForSlot(signal));
    // The next waiter queues behind this one whether it succeeds or is aborted.
    this.queueTail = turn.catch(() => undefined);
    return turn;
  }

  /** Holds every later request of the tenant until `delayMs` from now (a Retry-After). */
  pauseFor(delayMs: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + delayMs);
  }

  /** Resolves once no Retry-After pause is in force. */
  async waitWhilePaused(signal?: AbortSignal): Promise<void> {
    for (let remaining = this.pauseRemainingMs(); remaining > 0; remaining = this.pauseRemainingMs()) {
      await sleep(Math.ceil(remaining), undefined, signal === undefined ? {} : { signal });
    }
  }

  /** Milliseconds until the tenant-wide pause ends (0 when not paused). */
  pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  private async waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const oldest = this.sendTimes[this.nextSlot] ?? Number.NEGATIVE_INFINITY;
      const waitMs = Math.max(this.pausedUntil - now, oldest + this.windowMs - now);
      if (waitMs <= 0) {
        this.sendTimes[this.nextSlot] = now;
        this.nextSlot = (this.nextSlot + 1) % this.sendTimes.length;
        return;
      }
      await sleep(Math.ceil(waitMs), undefined, signal === undefined ? {} : { signal });
    }
  }
}
