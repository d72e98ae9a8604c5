import { describe, expect, it } from 'vitest';
import { createBudget, formatRetryAfter, ResourceUnitBucket } from '../../src/simulator/budget.js';
import { graphErrorBody, postPresences, startHarness, tokenFor } from './helpers.js';

describe('request budget (unit)', () => {
  it('sliding: admits `requests` per window, and a throttled request still counts', () => {
    const budget = createBudget(3, 1000, 'sliding');
    expect([0, 100, 200].map((t) => budget.take(t).admitted)).toEqual([true, true, true]);
    // The window frees up when the request at t=0 ages out.
    expect(budget.take(300)).toEqual({ admitted: false, retryAfterMs: 800 });
    // Retrying early is counted: the oldest in the window is now t=200, not t=100.
    expect(budget.take(1050)).toEqual({ admitted: false, retryAfterMs: 150 });
    // Last 3 arrivals: 300, 1050, 200; at 1199 the one at 200 is still inside the window.
    expect(budget.take(1199)).toEqual({ admitted: false, retryAfterMs: 101 });
    // Last 3 arrivals: 300, 1050, 1199; at 1301 the one at 300 has aged out.
    expect(budget.take(1301).admitted).toBe(true);
  });

  it('fixed: counts per aligned window and frees at the window boundary', () => {
    const budget = createBudget(2, 1000, 'fixed');
    expect([0, 10].map((t) => budget.take(t).admitted)).toEqual([true, true]);
    expect(budget.take(250)).toEqual({ admitted: false, retryAfterMs: 750 });
    expect(budget.take(999)).toEqual({ admitted: false, retryAfterMs: 1 });
    expect(budget.take(1000).admitted).toBe(true);
  });

  it('formats Retry-After as decimal seconds, or rounded up to whole seconds', () => {
    expect(formatRetryAfter(2128, 'decimal')).toBe('2.128');
    expect(formatRetryAfter(0.2, 'decimal')).toBe('0.001');
    expect(formatRetryAfter(2128, 'integer')).toBe('3');
  });
});

describe('resource unit bucket (directory budget)', () => {
  it('admits requests while units last, refills continuously, and charges nothing for a throttled request', () => {
    const bucket = new ResourceUnitBucket(10, 1000);
    expect(bucket.take(4, 0)).toEqual({ admitted: true, retryAfterMs: 0, usedShare: 0.4 });
    expect(bucket.take(5, 0).admitted).toBe(true);
    // One unit left; three needed: two more refill in 200 ms.
    expect(bucket.take(3, 0)).toEqual({ admitted: false, retryAfterMs: 200, usedShare: 0.9 });
    expect(bucket.take(3, 100)).toMatchObject({ admitted: false, retryAfterMs: 100 });
    expect(bucket.take(3, 200)).toMatchObject({ admitted: true });
    // Never more than the capacity, however long the wait.
    expect(bucket.take(10, 60_000).admitted).toBe(true);
    expect(bucket.take(1, 60_000).admitted).toBe(false);
  });

  it('lets a request dearer than the whole bucket through on a full bucket', () => {
    const bucket = new ResourceUnitBucket(3, 1000);
    expect(bucket.take(5, 0).admitted).toBe(true);
    expect(bucket.take(5, 500)).toMatchObject({ admitted: false, retryAfterMs: 500 });
  });
});

describe('request budget over HTTP', () => {
  it('answers 429 TooManyRequests with a decimal Retry-After from when the window frees, per app', async () => {
    const other = { clientId: '44444444-5555-4666-8777-888888888888', clientSecret: 'other' };
    const harness = await startHarness({ budget: { requests: 3, windowSeconds: 2 }, additionalClients: [other] });
    try {
      const token = await tokenFor(harness);
      const body = { ids: [harness.sim.userIdAt(0)] };
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await postPresences(harness, token, body)).status);
      const secondAt = harness.sim.recording.requests().filter((r) => r.route === 'presence')[1]?.atMonotonicMs ?? 0;
      const throttled = await postPresences(harness, token, body, { headers: { 'client-request-id': 'mine' } });
      const throttledAt = harness.sim.recording.requests().at(-1)?.atMonotonicMs ?? 0;
      expect([...statuses, throttled.status]).toEqual([200, 200, 200, 429]);

      const retryAfter = throttled.headers['retry-after'] ?? '';
      expect(retryAfter).toMatch(/^\d+\.\d{3}$/);
      // The throttled request counts too, so the window holds requests 2, 3 and 4: it frees when request 2 ages out.
      expect(Math.abs(Number(retryAfter) * 1000 - (secondAt + 2000 - throttledAt))).toBeLessThan(1.01);
      const error = graphErrorBody(throttled).error;
      expect(error.code).toBe('TooManyRequests');
      expect(error.innerError).toEqual({
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) as unknown,
        'request-id': throttled.headers['request-id'],
        'client-request-id': 'mine',
      });
      expect(harness.sim.recording.counters().throttled).toBe(1);
      expect(harness.sim.recording.requests().at(-1)?.retryAfter).toBe(retryAfter);

      // Another application has its own budget.
      const otherToken = await tokenFor(harness, other.clientId, other.clientSecret);
      expect((await postPresences(harness, otherToken, body)).status).toBe(200);
    } finally {
      await harness.close();
    }
  });

  it('can send whole-second Retry-After values', async () => {
    const harness = await startHarness({ budget: { requests: 1, windowSeconds: 30, retryAfterFormat: 'integer' } });
    try {
      const token = await tokenFor(harness);
      await postPresences(harness, token, { ids: [] });
      const throttled = await postPresences(harness, token, { ids: [] });
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('30');
    } finally {
      await harness.close();
    }
  });
});
