import { describe, expect, it } from 'vitest';
import { LogThrottle, REPEAT_LOG_INTERVAL_MS } from '../../src/kafka/log-throttle.js';

/** A throttle on a clock the test moves. */
function throttleAt(intervalMs = 60_000) {
  const clock = { now: 1_000_000 };
  return { clock, throttle: new LogThrottle(intervalMs, () => clock.now) };
}

describe('LogThrottle', () => {
  it('lets the first line of a key through at once, with nothing held before it', () => {
    const { throttle } = throttleAt();
    expect(throttle.admit('broker-1 refused')).toBe(0);
  });

  it('holds back the repeats within the interval, then lets one through with their count', () => {
    const { clock, throttle } = throttleAt();
    throttle.admit('refused');
    const within = [1, 10_000, 59_999].map((offset) => {
      clock.now = 1_000_000 + offset;
      return throttle.admit('refused');
    });
    expect(within).toEqual([undefined, undefined, undefined]);
    clock.now = 1_000_000 + 60_000;
    expect(throttle.admit('refused')).toBe(3);
    // The count starts again from the line let through.
    clock.now += 1;
    expect(throttle.admit('refused')).toBeUndefined();
    clock.now += 60_000;
    expect(throttle.admit('refused')).toBe(1);
  });

  it('keeps one interval per key: another cause or another broker is logged at once', () => {
    const { throttle } = throttleAt();
    expect(throttle.admit('broker-1|refused')).toBe(0);
    expect(throttle.admit('broker-2|refused')).toBe(0);
    expect(throttle.admit('broker-1|timeout')).toBe(0);
    expect(throttle.admit('broker-1|refused')).toBeUndefined();
  });

  it('lets the next line of a forgotten key through at once, leaving other keys alone', () => {
    const { throttle } = throttleAt();
    throttle.admit('send\u0000refused');
    throttle.admit('connect\u0000refused');
    throttle.forget('send\u0000');
    expect(throttle.admit('send\u0000refused')).toBe(0);
    expect(throttle.admit('connect\u0000refused')).toBeUndefined();
  });

  it('forgets keys whose interval ran out once many were seen, and still throttles the live ones', () => {
    const { clock, throttle } = throttleAt();
    for (let key = 0; key < 256; key++) throttle.admit(`old ${key}`);
    // A repeat held back: without the sweep, the next line of this key would report it.
    throttle.admit('old 1');
    clock.now += 60_000;
    // Past the bound, a new key sweeps out the expired ones, their held counts with them.
    throttle.admit('live');
    expect(throttle.admit('old 1')).toBe(0);
    expect(throttle.admit('live')).toBeUndefined();
  });

  it('repeats a failure once a minute by default', () => {
    expect(REPEAT_LOG_INTERVAL_MS).toBe(60_000);
  });
});
