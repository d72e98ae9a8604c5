import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../src/graph/index.js';

describe('RequestBudget', () => {
  it('never lets more than maxRequests start in any window', async () => {
    const budget = new RequestBudget({ maxRequests: 5, windowMs: 200 });
    const starts: number[] = [];
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => budget.acquire().then(() => starts.push(Date.now() - started))));
    starts.sort((a, b) => a - b);
    for (let i = 5; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 5] ?? 0)).toBeGreaterThanOrEqual(199);
    expect(starts[11]).toBeGreaterThanOrEqual(400);
  });

  it('spaces requests evenly over the window after a short burst, rather than spending the window at once', async () => {
    const budget = new RequestBudget({ maxRequests: 100, windowMs: 1_000 });
    const started = Date.now();
    const starts: number[] = [];
    for (let i = 0; i < 20; i++) {
      await budget.acquire();
      starts.push(Date.now() - started);
    }
    // One request per 10 ms, the first 8 at once: request i starts no earlier than (i - 7) spacings in. (A timer
    // that fires late lets the next one follow sooner: the pace holds on average, as a GCRA's does.)
    expect(starts[7]).toBeLessThan(50);
    for (let i = 8; i < starts.length; i++) expect(starts[i], `request ${i}`).toBeGreaterThanOrEqual((i - 7) * 10 - 1);
  });

  it('holds every later request while paused by a Retry-After', async () => {
    const budget = new RequestBudget({ maxRequests: 100, windowMs: 1000 });
    budget.pauseFor(150);
    const started = Date.now();
    await budget.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('gives up waiting when aborted', async () => {
    const budget = new RequestBudget({ maxRequests: 1, windowMs: 10_000 });
    await budget.acquire();
    const controller = new AbortController();
    const waiting = budget.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
  });
});

describe('RequestBudget.resize', () => {
  it('applies a smaller budget at once, counting the requests already sent', async () => {
    const budget = new RequestBudget({ maxRequests: 10, windowMs: 300 });
    for (let i = 0; i < 4; i++) await budget.acquire();
    budget.resize(4);
    const started = Date.now();
    await budget.acquire();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(budget.maxRequests).toBe(4);
  });

  it('lets more requests through at once after growing', async () => {
    const budget = new RequestBudget({ maxRequests: 2, windowMs: 10_000 });
    await budget.acquire();
    await budget.acquire();
    budget.resize(5);
    const started = Date.now();
    for (let i = 0; i < 3; i++) await budget.acquire();
    expect(Date.now() - started).toBeLessThan(100);
  });
});

describe('RequestBudget with adaptive', () => {
  it('paces requests at the rate it learned from a 429, and reports the change', async () => {
    const changes: string[] = [];
    const budget = new RequestBudget({
      maxRequests: 1_000,
      windowMs: 1_000,
      adaptive: { recoveryMs: 60_000, onChange: (change) => changes.push(change.reason) },
    });
    // 10 admitted, then a 429 whose Retry-After ends Graph's 1 s window: about 10 per second allowed.
    const started = Date.now();
    for (let i = 0; i < 10; i++) (await budget.acquire())({ status: 200 });
    (await budget.acquire())({ status: 429, retryAfterMs: 1_000 - (Date.now() - started) });
    expect(changes).toEqual(['throttled']);
    const { perSecond, ceilingPerSecond, limited } = budget.rateLimit;
    expect({ ceilingPerSecond, limited }).toEqual({ ceilingPerSecond: 1_000, limited: true });
    expect(perSecond).toBeGreaterThan(5);
    expect(perSecond).toBeLessThan(10);
    const sends: number[] = [];
    for (let i = 0; i < 3; i++) {
      await budget.acquire();
      sends.push(Date.now());
    }
    for (let i = 1; i < sends.length; i++) {
      expect((sends[i] ?? 0) - (sends[i - 1] ?? 0)).toBeGreaterThanOrEqual(Math.floor(1000 / perSecond) - 1);
    }
  });

  it('without adaptive, answers change nothing: the configured budget alone paces', async () => {
    const budget = new RequestBudget({ maxRequests: 100, windowMs: 1_000 });
    (await budget.acquire())({ status: 429, retryAfterMs: 10 });
    expect(budget.rateLimit).toEqual({ perSecond: 100, ceilingPerSecond: 100, limited: false });
    const started = Date.now();
    for (let i = 0; i < 5; i++) await budget.acquire();
    expect(Date.now() - started).toBeLessThan(50);
  });

  it("scales the learned rate with the worker's share of the budget", async () => {
    const budget = new RequestBudget({ maxRequests: 1_000, windowMs: 1_000, adaptive: { recoveryMs: 60_000 } });
    for (let i = 0; i < 10; i++) (await budget.acquire())({ status: 200 });
    (await budget.acquire())({ status: 429, retryAfterMs: 500 });
    const learned = budget.rateLimit.perSecond;
    budget.resize(500);
    expect(budget.rateLimit.perSecond).toBeCloseTo(learned / 2, 5);
    expect(budget.rateLimit.ceilingPerSecond).toBe(500);
  });
});
