/**
 * Graph's request budget per application per tenant. Every request counts, including throttled ones: Graph keeps
 * counting while a client is throttled, so retrying early extends the wait.
 *
 * `sliding` (default): a request is admitted when fewer than `requests` requests arrived in the last `windowMs`;
 * the times of the last `requests` arrivals sit in a ring buffer, so the check is O(1) and memory is fixed.
 * `fixed`: windows aligned on multiples of `windowMs` since the simulator started, each with a fresh count.
 */
export type BudgetWindow = 'sliding' | 'fixed';

export interface BudgetDecision {
  admitted: boolean;
  /** Milliseconds until a request would be admitted again; 0 when admitted. */
  retryAfterMs: number;
}

export interface RequestBudget {
  take(nowMs: number): BudgetDecision;
}

export function createBudget(requests: number, windowMs: number, window: BudgetWindow): RequestBudget {
  return window === 'sliding' ? new SlidingBudget(requests, windowMs) : new FixedBudget(requests, windowMs);
}

class SlidingBudget implements RequestBudget {
  private readonly arrivals: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.arrivals = new Float64Array(limit);
  }

  take(nowMs: number): BudgetDecision {
    // The slot about to be overwritten holds the oldest of the last `limit` arrivals.
    const oldest = this.arrivals[this.next] ?? 0;
    const full = this.filled === this.limit && oldest > nowMs - this.windowMs;
    this.arrivals[this.next] = nowMs;
    this.next = (this.next + 1) % this.limit;
    if (this.filled < this.limit) this.filled++;
    if (!full) return { admitted: true, retryAfterMs: 0 };
    // After this request the oldest in the window is the one now at `next`; when it ages out a slot frees up.
    const freesAt = (this.arrivals[this.next] ?? nowMs) + this.windowMs;
    return { admitted: false, retryAfterMs: Math.max(freesAt - nowMs, 1) };
  }
}

class FixedBudget implements RequestBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  take(nowMs: number): BudgetDecision {
    const start = Math.floor(nowMs / this.windowMs) * this.windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
    this.used++;
    if (this.used <= this.limit) return { admitted: true, retryAfterMs: 0 };
    return { admitted: false, retryAfterMs: Math.max(start + this.windowMs - nowMs, 1) };
  }
}

/** Graph sends seconds, sometimes with a fraction (`2.128`); `integer` rounds up for clients that cannot parse one. */
export function formatRetryAfter(ms: number, format: 'decimal' | 'integer'): string {
  // Rounded to whole ms first: monotonic clock arithmetic leaves float dust (30000.000000001) that ceil would turn into 31.
  if (format === 'integer') return String(Math.max(1, Math.ceil(Math.round(ms) / 1000)));
  return (Math.max(ms, 1) / 1000).toFixed(3);
}

export interface ResourceUnitDecision {
  admitted: boolean;
  /** Milliseconds until the bucket holds enough units for this request; 0 when admitted. */
  retryAfterMs: number;
  /** Share of the bucket in use after this request (Graph reports it above 0.8). */
  usedShare: number;
}

/**
 * The directory's budget: a token bucket of resource units per app per tenant, as Graph documents for identity and
 * access. It refills continuously at `units` per `windowMs`; a request that finds fewer units than it costs is
 * throttled and takes none (only requests over the limit are throttled), so a client that waits long enough gets in.
 */
export class ResourceUnitBucket {
  private units: number;
  private lastMs = Number.NaN;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {
    this.units = capacity;
  }

  take(cost: number, nowMs: number): ResourceUnitDecision {
    if (!Number.isNaN(this.lastMs) && nowMs > this.lastMs) {
      this.units = Math.min(this.capacity, this.units + ((nowMs - this.lastMs) * this.capacity) / this.windowMs);
    }
    this.lastMs = Number.isNaN(this.lastMs) ? nowMs : Math.max(this.lastMs, nowMs);
    // A request dearer than the whole bucket could never pass: it waits for a full bucket instead.
    const needed = Math.min(cost, this.capacity);
    if (this.units >= needed) {
      this.units -= needed;
      return { admitted: true, retryAfterMs: 0, usedShare: 1 - this.units / this.capacity };
    }
    const retryAfterMs = Math.max(((needed - this.units) * this.windowMs) / this.capacity, 1);
    return { admitted: false, retryAfterMs, usedShare: 1 - this.units / this.capacity };
  }
}
