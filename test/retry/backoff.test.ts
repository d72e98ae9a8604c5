import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from '../../src/retry/backoff.js';

const policy = { initialMs: 100, maxMs: 1_000 };

describe('backoffDelayMs (full jitter)', () => {
  it('draws from [0, initial * 2^attempt]: the top of the window with random 1, zero with random 0', () => {
    expect(backoffDelayMs(0, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(2, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(2, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(200);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffDelayMs(4, policy, () => 1)).toBe(1_000);
    expect(backoffDelayMs(10_000, policy, () => 1)).toBe(1_000);
  });

  it('spreads many clients over the window instead of synchronising them', () => {
    const delays = Array.from({ length: 2_000 }, () => backoffDelayMs(3, policy));
    expect(Math.min(...delays)).toBeLessThan(100);
    expect(Math.max(...delays)).toBeGreaterThan(700);
    expect(new Set(delays).size).toBeGreaterThan(200);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads decimal delta-seconds, rounding up to whole milliseconds', () => {
    expect(parseRetryAfterMs('2.128')).toBe(2_128);
    expect(parseRetryAfterMs(' 3 ')).toBe(3_000);
    expect(parseRetryAfterMs(['0.0005'])).toBe(1);
    expect(parseRetryAfterMs('0')).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    const now = Date.parse('Wed, 02 Dec 2026 00:00:00 GMT');
    expect(parseRetryAfterMs('Wed, 02 Dec 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfterMs('Tue, 01 Dec 2026 23:59:00 GMT', now)).toBe(0);
  });

  it('returns undefined for absent, empty, negative or unreadable values', () => {
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
    expect(parseRetryAfterMs('')).toBeUndefined();
    expect(parseRetryAfterMs('-1')).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});
