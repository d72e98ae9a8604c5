import { setTimeout as sleep } from 'node:timers/promises';
import { AdaptiveRate, type RateChange } from './adaptive-rate.js';

export interface RequestBudgetOptions {
  /** Requests allowed per window for this app in this tenant (Graph documents 1,500 per 30 s). */
  maxRequests: number;
  windowMs: number;
  /** Added to the window, for clock granularity between us and Graph. */
  safetyMarginMs?: number;
  now?: () => number;
  /**
   * Learn Graph's real limit from its 429s and send no faster (AdaptiveRate); absent: the configured budget alone.
   * The budget's answers must then be reported through the `settle` that `acquire` returns.
   */
  adaptive?: { recoveryMs: number; random?: () => number; onChange?: (change: RateChange) => void };
}

/** What Graph answered to a request: given to `settle` so that an adaptive budget learns from it. */
export interface RequestOutcome {
  status: number;
  retryAfterMs?: number | undefined;
}

/** Gives a request's place in the window back to the budget's accounting; see `RequestBudget.acquire`. */
export type SettleRequest = (outcome?: RequestOutcome) => void;

/**
 * Requests that may start at once before the even spacing applies: enough to fill a few concurrent requests,
 * far below a window's worth.
 */
const PACING_BURST = 8;

/**
 * A sliding-window request budget shared by every request to one tenant, plus the tenant-wide pause that a
 * Retry-After imposes. A sliding window never exceeds the limit in any window, so it is also safe if Graph
 * counts in fixed windows. Within it, requests are spaced evenly (one per window / limit, after a burst of
 * PACING_BURST): a worker whose cycle the budget bounds would otherwise spend the window's requests in a burst and
 * then idle until the window slides, so a user's poll-to-poll time, and with it how late a change arrives, would
 * swing between the burst and the idle gap (up to a third of a 30 s window at 1M users) instead of staying one
 * cycle. Waiters are served first come, first served.
 */
export class RequestBudget {
  private sendTimes: Float64Array;
  private nextSlot = 0;
  private pausedUntil = 0;
  /** When the next request is due at an even pace (a GCRA's theoretical arrival time). */
  private pacedAt = Number.NEGATIVE_INFINITY;
  private queueTail: Promise<void> = Promise.resolve();
  private readonly windowMs: number;
  private readonly configuredWindowMs: number;
  private readonly now: () => number;
  private readonly rate: AdaptiveRate | undefined;

  constructor(options: RequestBudgetOptions) {
    this.sendTimes = new Float64Array(options.maxRequests).fill(Number.NEGATIVE_INFINITY);
    this.windowMs = options.windowMs + (options.safetyMarginMs ?? 0);
    this.configuredWindowMs = options.windowMs;
    this.now = options.now ?? Date.now;
    const adaptive = options.adaptive;
    this.rate =
      adaptive === undefined
        ? undefined
        : new AdaptiveRate({
            ceilingPerSecond: this.perSecond(options.maxRequests),
            recoveryMs: adaptive.recoveryMs,
            measureMs: options.windowMs,
            now: this.now,
            ...(adaptive.random === undefined ? {} : { random: adaptive.random }),
            ...(adaptive.onChange === undefined ? {} : { onChange: adaptive.onChange }),
          });
  }

  /**
   * Resolves when a request may be sent now, and counts it. Call the returned `settle` when its response (or
   * failure) comes back: the request then counts from that moment. Graph counts a request when it arrives,
   * which is somewhere between our send and its response; counting to the response keeps us inside Graph's
   * window however late the request arrived. Give `settle` Graph's answer when there is one: an adaptive budget
   * learns Graph's limit from it.
   */
  acquire(signal?: AbortSignal): Promise<SettleRequest> {
    const turn = this.queueTail.then(() => this.waitForSlot(signal));
    // The next waiter queues behind this one whether it succeeds or is aborted.
    this.queueTail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /**
   * Changes the number of requests allowed per window, keeping the most recent send times so that a smaller
   * budget takes effect at once rather than after a window.
   */
  resize(maxRequests: number): void {
    this.rate?.setCeiling(this.perSecond(maxRequests));
    if (maxRequests === this.sendTimes.length) return;
    // The requests already paced keep their share of the window: at the new spacing they take proportionally long.
    const now = this.now();
    if (this.pacedAt > now) this.pacedAt = now + ((this.pacedAt - now) * this.sendTimes.length) / maxRequests;
    const recent = this.recentSendTimes();
    const resized = new Float64Array(maxRequests).fill(Number.NEGATIVE_INFINITY);
    const kept = recent.slice(Math.max(0, recent.length - maxRequests));
    resized.set(kept, 0);
    this.sendTimes = resized;
    this.nextSlot = kept.length % maxRequests;
  }

  get maxRequests(): number {
    return this.sendTimes.length;
  }

  /**
   * Requests per second this budget lets through now: its share of the configured budget, or less while an
   * adaptive budget learned that Graph grants less (`limited`).
   */
  get rateLimit(): { perSecond: number; ceilingPerSecond: number; limited: boolean } {
    const ceilingPerSecond = this.perSecond(this.maxRequests);
    if (this.rate === undefined) return { perSecond: ceilingPerSecond, ceilingPerSecond, limited: false };
    return { perSecond: this.rate.ratePerSecond, ceilingPerSecond, limited: this.rate.limited };
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

  /** Send times oldest first, without the empty slots. */
  private recentSendTimes(): number[] {
    const ordered = [...this.sendTimes.subarray(this.nextSlot), ...this.sendTimes.subarray(0, this.nextSlot)];
    return ordered.filter((time) => time !== Number.NEGATIVE_INFINITY);
  }

  /** Milliseconds between requests at an even pace: the window over the limit. */
  private spacingMs(): number {
    return this.windowMs / this.sendTimes.length;
  }

  private pacingDelayMs(now: number): number {
    const burstMs = (Math.min(PACING_BURST, this.sendTimes.length) - 1) * this.spacingMs();
    return this.pacedAt - burstMs - now;
  }

  private perSecond(maxRequests: number): number {
    return (maxRequests * 1000) / this.configuredWindowMs;
  }

  private async waitForSlot(signal: AbortSignal | undefined): Promise<SettleRequest> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const oldest = this.sendTimes[this.nextSlot] ?? Number.NEGATIVE_INFINITY;
      const waitMs = Math.max(
        this.pausedUntil - now,
        oldest + this.windowMs - now,
        this.pacingDelayMs(now),
        this.rate?.delayMs(now) ?? 0,
      );
      if (waitMs <= 0) {
        const slot = this.nextSlot;
        const times = this.sendTimes;
        times[slot] = now;
        this.nextSlot = (slot + 1) % times.length;
        this.rate?.sent(now);
        this.pacedAt = Math.max(this.pacedAt, now) + this.spacingMs();
        // After a resize the slot belongs to another ring: the old one is gone and so is this count.
        return (outcome) => {
          if (times === this.sendTimes) times[slot] = Math.max(times[slot] ?? 0, this.now());
          if (outcome !== undefined) this.rate?.answered(now, outcome.status, outcome.retryAfterMs, this.now());
        };
      }
      await sleep(Math.ceil(waitMs), undefined, signal === undefined ? {} : { signal });
    }
  }
}
