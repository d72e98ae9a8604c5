/**
 * Moves the population on with time: `share × users` random users change per minute. State advances lazily, when a
 * request arrives (or on `tick`), so an idle simulator costs nothing; fractional changes carry over between calls.
 */
import type { PresenceStore } from './presence-store.js';
import { randomInt, type Random } from './random.js';

/** After a long idle period at most one full population's worth of changes is applied in one go. */
const MAX_CHANGES_PER_ADVANCE_FACTOR = 1;

export class Churn {
  private lastMs: number;
  private carry = 0;

  constructor(
    private readonly store: PresenceStore,
    private readonly sharePerMinute: number,
    private readonly random: Random,
    private readonly automatic: boolean,
    startMs: number,
  ) {
    this.lastMs = startMs;
  }

  /** Applies the changes due since the last call (monotonic ms). */
  advance(nowMs: number, nowSeconds: number): void {
    const elapsedMs = nowMs - this.lastMs;
    this.lastMs = nowMs;
    if (!this.automatic || elapsedMs <= 0 || this.sharePerMinute === 0) return;
    this.applyDue((this.sharePerMinute * this.store.count * elapsedMs) / 60_000, nowSeconds);
  }

  /** Applies `minutes` worth of churn now, whatever the clock says; returns how many users changed. */
  tick(minutes: number, nowSeconds: number): number {
    return this.applyDue(this.sharePerMinute * this.store.count * minutes, nowSeconds);
  }

  private applyDue(due: number, nowSeconds: number): number {
    const total = this.carry + due;
    const count = Math.min(Math.floor(total), this.store.count * MAX_CHANGES_PER_ADVANCE_FACTOR);
    this.carry = total - Math.floor(total);
    let changed = 0;
    for (let i = 0; i < count; i++) {
      if (this.store.changeRandomly(randomInt(this.random, this.store.count), this.random, nowSeconds)) changed++;
    }
    return changed;
  }

  /** One random change for each given user index. */
  changeUsers(indices: readonly number[], nowSeconds: number): void {
    for (const index of indices) this.store.changeRandomly(index, this.random, nowSeconds, true);
  }
}
