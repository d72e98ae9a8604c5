import { describe, expect, it } from 'vitest';
import {
  chance,
  createRandom,
  cumulativeWeights,
  mix32,
  normalDraw,
  pickWeighted,
  randomInt,
  type Random,
} from '../../src/simulator/random.js';

/** A source that replays fixed draws, to pin the arithmetic around them. */
function replay(...draws: number[]): Random {
  let i = 0;
  return () => draws[i++ % draws.length] ?? 0;
}

describe('seeded randomness', () => {
  it('replays the same sequence for the same seed, another for another seed, all in [0, 1)', () => {
    const a = Array.from({ length: 1000 }, createRandom(42));
    const b = Array.from({ length: 1000 }, createRandom(42));
    const c = Array.from({ length: 1000 }, createRandom(43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((value) => value >= 0 && value < 1)).toBe(true);
    // Roughly uniform: each tenth of the range gets about a tenth of the draws.
    const deciles = new Array<number>(10).fill(0);
    for (const value of a) {
      const decile = Math.floor(value * 10);
      deciles[decile] = (deciles[decile] ?? 0) + 1;
    }
    expect(Math.min(...deciles)).toBeGreaterThan(60);
  });

  it('mixes every input into an unsigned 32-bit value', () => {
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).not.toBe(mix32(2));
    for (const input of [1, -1, 0xffffffff, 123456789]) {
      const value = mix32(input);
      expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
    }
  });

  it('draws integers below the bound', () => {
    expect(randomInt(replay(0, 0.5, 0.999999), 10)).toBe(0);
    const random = replay(0, 0.5, 0.999999);
    expect([randomInt(random, 10), randomInt(random, 10), randomInt(random, 10)]).toEqual([0, 5, 9]);
  });

  it('does not draw for shares of 0 and 1, so toggling a fault keeps the sequence', () => {
    let draws = 0;
    const counting: Random = () => {
      draws++;
      return 0.5;
    };
    expect(chance(counting, 0)).toBe(false);
    expect(chance(counting, 1)).toBe(true);
    expect(draws).toBe(0);
    expect(chance(counting, 0.6)).toBe(true);
    expect(chance(counting, 0.4)).toBe(false);
    expect(draws).toBe(2);
  });

  it('picks by cumulative weight', () => {
    const cumulative = cumulativeWeights([1, 0, 3]);
    expect([...cumulative]).toEqual([1, 1, 4]);
    expect(pickWeighted(replay(0), cumulative)).toBe(0);
    expect(pickWeighted(replay(0.24), cumulative)).toBe(0);
    // 0.25 * 4 = 1: past the first weight, and the zero weight is never picked.
    expect(pickWeighted(replay(0.25), cumulative)).toBe(2);
    expect(pickWeighted(replay(0.99), cumulative)).toBe(2);
  });

  it('draws a normal value around the mean, exactly the mean with no deviation', () => {
    expect(normalDraw(replay(0.3, 0.7), 40, 0)).toBe(40);
    // u1 = e^-0.5, u2 = 0: sqrt(-2 ln u1) = 1 and cos 0 = 1, so one standard deviation above.
    expect(normalDraw(replay(Math.exp(-0.5), 0), 10, 2)).toBeCloseTo(12, 10);
    // A draw of 0 is clamped rather than producing an infinite value.
    expect(Number.isFinite(normalDraw(replay(0, 0), 0, 1))).toBe(true);
  });
});
