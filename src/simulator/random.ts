/**
 * Seeded randomness. The simulator must replay the same population and the same churn for the same seed, so that a
 * benchmark or a failing test can be rerun; `Math.random` cannot be seeded.
 */

/** A uniform draw in [0, 1). */
export type Random = () => number;

/** Murmur3's 32-bit finaliser: cheap, and every input bit moves every output bit. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: one 32-bit word of state is enough for simulation, and it is fast on V8. */
export function createRandom(seed: number): Random {
  let state = mix32(seed ^ 0x6d2b79f5) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/** True with the given probability; a share of 0 never draws, so turning a fault off does not shift the sequence. */
export function chance(random: Random, share: number): boolean {
  if (share <= 0) return false;
  if (share >= 1) return true;
  return random() < share;
}

/** Picks an index by weight. Cumulative weights are precomputed by the caller because this runs per user change. */
export function pickWeighted(random: Random, cumulative: Float64Array): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const target = random() * total;
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((cumulative[mid] ?? 0) > target) high = mid;
    else low = mid + 1;
  }
  return low;
}

export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((weight, i) => {
    sum += weight;
    out[i] = sum;
  });
  return out;
}

/** Box-Muller; one of the pair is discarded because latency draws are rare next to the work of a response. */
export function normalDraw(random: Random, mean: number, stdDev: number): number {
  const u1 = Math.max(random(), Number.EPSILON);
  const u2 = random();
  return mean + stdDev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
