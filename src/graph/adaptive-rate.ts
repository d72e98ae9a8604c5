/**
 * The request rate a worker allows itself when Graph grants less than the configured budget says: learned from
 * Graph's 429s, never above the worker's share of the configured budget (the ceiling).
 *
 * Until a 429 arrives nothing is limited here: the configured budget alone paces the requests, exactly as without
 * this class. A 429 for a request sent after the last decrease lowers the rate: to a little below what Graph let
 * through (the 200s of the last measuring span since the last drop, over that span plus the Retry-After), times
 * BETA. From there the
 * rate climbs back in steps on a cubic curve (as TCP CUBIC does): quickly at first, flat around the rate Graph last
 * allowed, which it reaches after `recoveryMs`, then faster again, probing for more, until Graph throttles again or
 * the ceiling is reached (the configured budget alone rules again). Sends are spaced evenly at the learned rate, so
 * the rate holds in any Graph window, however long. Several workers sharing the tenant's budget each learn their
 * part: the one that is throttled backs off, the others keep climbing, and jitter on each worker's curve keeps them
 * from throttling and backing off in lockstep.
 */

/** What is left of the rate Graph last allowed after a 429 (the drop), as TCP CUBIC's beta. */
export const BETA = 0.85;
/** The curve levels off this far below the rate Graph let through, so that the plateau itself draws no 429. */
const PLATEAU_SHARE = 0.98;
/** Steps per `recoveryMs`: the rate changes (and is logged) at most this often while climbing. */
const STEPS_PER_RECOVERY = 5;
/**
 * The first drop (from the configured budget) learns from 200s that may have been sent below Graph's limit (a
 * worker that was busy with Kafka, a cycle that had few requests), so what it learns may be far too low: its curve
 * runs this much faster, and the next 429, which comes from requests sent at a paced rate, sets the real level.
 */
const FIRST_CURVE_SCALE = 0.1;
/** Where on the curve the drop after the learning curve lands: 1 - cbrt(0.05 / 0.15), 95 % of the plateau. */
const LEARNED_START = 0.3;
/** Up to this share of extra time on each worker's curve and steps, so that workers do not climb in lockstep. */
const JITTER = 0.2;

export type RateChangeReason = 'throttled' | 'probe' | 'recovered' | 'share';

export interface RateChange {
  reason: RateChangeReason;
  /** Requests per second allowed from now on (the ceiling when `limited` is false). */
  ratePerSecond: number;
  previousPerSecond: number;
  /** The worker's share of the configured budget, in requests per second. */
  ceilingPerSecond: number;
  /** False: the configured budget alone paces the requests again. */
  limited: boolean;
  /** What Graph let through before its last 429 (requests per second), the level the curve returns to. */
  allowedPerSecond: number | undefined;
}

export interface AdaptiveRateOptions {
  /** The worker's share of the configured budget, in requests per second: never exceeded. */
  ceilingPerSecond: number;
  /** Time from a drop back to the rate Graph last allowed (the curve's flat part). */
  recoveryMs: number;
  /** Span over which the 200s are counted when a 429 arrives (the configured budget window). */
  measureMs: number;
  now?: () => number;
  random?: () => number;
  onChange?: (change: RateChange) => void;
}

interface Learned {
  /** Requests per second now. */
  rate: number;
  /** The plateau: a little below what Graph let through before its last 429. */
  plateau: number;
  /** Time on the curve since the last drop: only time while the rate was what held requests back counts. */
  curveMs: number;
  /** This drop's `recoveryMs`, jittered. */
  recoveryMs: number;
  /** The first curve after the configured budget ruled: a guess, climbed fast (FIRST_CURVE_SCALE). */
  learning: boolean;
  /** The highest rate held for a whole measuring span (a window) without a 429 since the drop. */
  proven: number | undefined;
  /** Curve time at which the current rate was set. */
  rateSetAtMs: number;
  /** The rate before the last raise: on the learning curve, the best guess of the level when a 429 ends it. */
  beforeRaise: number | undefined;
  /** A 429 came since the last step (one too early to lower the rate again): the next step does not raise it. */
  held: boolean;
  nextStepMs: number;
}

export class AdaptiveRate {
  private ceiling: number;
  private learned: Learned | undefined;
  /** Send times of the requests answered 200 within the measuring span, oldest first. */
  private readonly admitted: number[] = [];
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private decreasedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: AdaptiveRateOptions) {
    this.ceiling = options.ceilingPerSecond;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Requests per second allowed now: the ceiling unless Graph throttled below it. */
  get ratePerSecond(): number {
    return this.learned?.rate ?? this.ceiling;
  }

  get ceilingPerSecond(): number {
    return this.ceiling;
  }

  get limited(): boolean {
    return this.learned !== undefined;
  }

  /** Milliseconds until the next request may be sent at the learned rate; 0 when not limited. */
  delayMs(now = this.now()): number {
    if (this.learned === undefined) return 0;
    return Math.max(0, this.lastSendAt + 1000 / this.learned.rate - now);
  }

  /** A request was sent (took its place in the budget) at `now`. */
  sent(now = this.now()): void {
    const learned = this.learned;
    if (learned !== undefined) {
      // Only time in which the learned rate held requests back moves the curve on: a worker that needs less than
      // its rate learns nothing about Graph by waiting, and a pause ordered by Retry-After is no time at the rate.
      const spacing = 1000 / learned.rate;
      learned.curveMs += Math.min(Math.max(0, now - this.lastSendAt), 1.5 * spacing);
      if (learned.curveMs >= learned.nextStepMs) this.step(learned);
    }
    this.lastSendAt = now;
  }

  /** What Graph answered to a request sent at `sentAt`. */
  answered(sentAt: number, status: number, retryAfterMs: number | undefined, now = this.now()): void {
    if (status === 200) {
      this.admitted.push(sentAt);
      this.forgetBefore(now - this.options.measureMs);
    } else if (status === 429) {
      // Graph's window still holds what was sent before the last drop (and the throttled requests, which count
      // too) for up to a window after it: 429s until then say nothing about the new rate, but stop the climb.
      // Their Retry-After still holds every request.
      const learned = this.learned;
      if (learned === undefined || sentAt >= this.decreasedAt + Math.min(this.options.measureMs, learned.recoveryMs)) {
        this.decrease(retryAfterMs ?? 0, now);
      } else {
        learned.held = true;
      }
    }
  }

  /** The worker's share of the configured budget changed: the learned rate keeps its proportion to it. */
  setCeiling(perSecond: number): void {
    if (perSecond === this.ceiling) return;
    const learned = this.learned;
    const previous = this.ratePerSecond;
    const factor = perSecond / this.ceiling;
    this.ceiling = perSecond;
    if (learned === undefined) return;
    learned.rate *= factor;
    learned.plateau *= factor;
    if (learned.rate >= perSecond) this.learned = undefined;
    this.report('share', previous);
  }

  private decrease(retryAfterMs: number, now: number): void {
    const previous = this.ratePerSecond;
    const allowed = this.allowedRate(retryAfterMs, now);
    // Graph let through what was measured, and at most the rate that drew the 429; a rate held for a whole step
    // without a 429 it let through for sure (the measure lags behind a rising rate).
    const learnt = this.learned;
    // The learning curve climbs fast, so the measure lags far behind it, and the rate before its last raise may be
    // above the level: the level lies between them.
    const lagging = allowed ?? previous * BETA;
    // Between the two (the rate before the raise may not have been held a whole Graph window): their geometric mean.
    const guess = learnt?.learning === true ? Math.sqrt(lagging * (learnt.beforeRaise ?? lagging)) : 0;
    const measured = Math.min(previous, Math.max(guess, lagging));
    const reference = Math.max(learnt?.proven ?? 0, measured);
    const plateau = Math.max(this.floor(), reference * PLATEAU_SHARE);
    const learning = this.learned === undefined;
    const scale = learning ? FIRST_CURVE_SCALE : 1;
    const recoveryMs = this.options.recoveryMs * scale * (1 + JITTER * this.random());
    // After the learning curve the level is known well (it comes from paced requests): a small drop will do.
    const startX = this.learned?.learning === true ? LEARNED_START : 0;
    const curveMs = startX * recoveryMs;
    this.learned = {
      rate: Math.max(this.floor(), plateau * curve(startX)),
      plateau,
      curveMs,
      recoveryMs,
      learning,
      proven: undefined,
      held: false,
      rateSetAtMs: curveMs,
      beforeRaise: undefined,
      nextStepMs: curveMs + this.stepMs(recoveryMs),
    };
    this.decreasedAt = now;
    this.report('throttled', previous);
  }

  /**
   * The rate of 200s over the measuring span, counted from the oldest admitted request in it to the end of the
   * Retry-After: after a burst at start-up this is exactly Graph's budget over its window; in a steady state, the
   * rate that Graph let through. Undefined when Graph admitted nothing in the span.
   */
  private allowedRate(retryAfterMs: number, now: number): number | undefined {
    this.forgetBefore(now - this.options.measureMs);
    const oldest = this.admitted[0];
    if (oldest === undefined) return undefined;
    const spanMs = Math.max(1, now - oldest + retryAfterMs);
    return (this.admitted.length * 1000) / spanMs;
  }

  private step(learned: Learned): void {
    const previous = learned.rate;
    learned.nextStepMs = learned.curveMs + this.stepMs(learned.recoveryMs);
    if (learned.held) {
      // Throttled during this step: hold the rate, and try the climb again from where the curve is by then.
      learned.held = false;
      return;
    }
    const rate = learned.plateau * curve(learned.curveMs / learned.recoveryMs);
    // The rate was held a whole window without a 429: Graph lets it through (a shorter time would not show it).
    if (learned.curveMs - learned.rateSetAtMs >= this.options.measureMs) {
      learned.proven = Math.max(learned.proven ?? 0, previous);
    }
    learned.rateSetAtMs = learned.curveMs;
    learned.beforeRaise = previous;
    if (rate >= this.ceiling) {
      this.learned = undefined;
      this.report('recovered', previous);
      return;
    }
    if (rate <= previous) return;
    learned.rate = rate;
    this.report('probe', previous);
  }

  private stepMs(recoveryMs: number): number {
    return (recoveryMs / STEPS_PER_RECOVERY) * (1 + JITTER * (this.random() - 0.5));
  }

  /** One request per measuring span: below that the rate would say nothing. */
  private floor(): number {
    return Math.min(this.ceiling, 1000 / this.options.measureMs);
  }

  private forgetBefore(time: number): void {
    let drop = 0;
    while (drop < this.admitted.length && (this.admitted[drop] ?? 0) < time) drop++;
    if (drop > 0) this.admitted.splice(0, drop);
  }

  private report(reason: RateChangeReason, previousPerSecond: number): void {
    this.options.onChange?.({
      reason,
      ratePerSecond: this.ratePerSecond,
      previousPerSecond,
      ceilingPerSecond: this.ceiling,
      limited: this.limited,
      allowedPerSecond: this.learned === undefined ? undefined : this.learned.plateau / PLATEAU_SHARE,
    });
  }
}

/** The rate on the curve, relative to the plateau, `x` recoveries after a drop: BETA at 0, flat at 1, then up. */
function curve(x: number): number {
  return 1 + (1 - BETA) * (x - 1) ** 3;
}
