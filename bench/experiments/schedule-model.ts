/**
 * A pure model of polling schedules under one request budget (bench/experiments/schedule-study.ts runs it).
 *
 * Population (the mix, a knob): each user is, for the modelled hours, one of
 * - `frequent`: online and changing often (meetings, calls, BRB, idle toggles), Poisson at `frequentPerHour`;
 * - `normal`: online, changing now and then, Poisson at `normalPerHour`;
 * - `idle`: Offline / OffWork / OutOfOffice for hours; comes online (one change) at rate 1 / `idleMeanHours`, then
 *   behaves as `normal`. That first change is the worst case of a schedule that polls idle users rarely.
 *
 * A schedule only sees what its polls saw: `cold` (last poll: offline-like), `hot` (online, and a change was seen
 * within the last `hotWindowSeconds`), `warm` (online, quiet). After each poll the user's next poll is due one
 * interval of its class later; the budget is R user-polls a second (requests/window × 650 ids).
 * A change is "seen" at its user's next poll (Graph's latency and the delivery come on top for every schedule).
 */
import { createRandom } from '../../src/simulator/random.js';

export interface PopulationMix {
  frequentShare: number;
  idleShare: number;
  frequentPerHour: number;
  normalPerHour: number;
  idleMeanHours: number;
}

export type ObservedClass = 'cold' | 'warm' | 'hot';
export const CLASSES: readonly ObservedClass[] = ['cold', 'warm', 'hot'];

export interface Schedule {
  name: string;
  /** Seconds between two polls of a user, by what the last poll saw. */
  intervalSeconds: Record<ObservedClass, number>;
  hotWindowSeconds: number;
}

export interface ModelRun {
  users: number;
  hours: number;
  seed: number;
  mix: PopulationMix;
}

export interface ClassTally {
  /** User-seconds spent in the class (the interval after a poll belongs to the class that poll saw). */
  userSeconds: number;
  /** Changes that happened while the user was in the class. */
  changes: number;
}

export interface ScheduleOutcome {
  schedule: Schedule;
  /** Change -> next poll of its user, seconds, every change. */
  waits: Float64Array;
  /** The same for an idle user's first change (coming online after hours). */
  wakeWaits: Float64Array;
  polls: number;
  /** Polls per second, averaged over the run. */
  pollRate: number;
  tally: Record<ObservedClass, ClassTally>;
}

function exponential(random: () => number, meanSeconds: number): number {
  return -Math.log(1 - random()) * meanSeconds;
}

interface UserModel {
  /** Seconds between changes while online. */
  onlineMeanSeconds: number;
  /** When an idle user comes online; Infinity for users online from the start. */
  wakeAt: number;
}

function userModel(random: () => number, mix: PopulationMix): UserModel {
  const draw = random();
  if (draw < mix.idleShare) {
    return {
      onlineMeanSeconds: 3600 / mix.normalPerHour,
      wakeAt: exponential(random, mix.idleMeanHours * 3600),
    };
  }
  const frequent = draw < mix.idleShare + mix.frequentShare;
  return { onlineMeanSeconds: 3600 / (frequent ? mix.frequentPerHour : mix.normalPerHour), wakeAt: -1 };
}

class Collector {
  private values: Float64Array = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  done(): Float64Array {
    return this.values.slice(0, this.length);
  }
}

/** Runs one schedule over the population of `run` (the same users and changes for every schedule of a seed). */
export function runSchedule(run: ModelRun, schedule: Schedule): ScheduleOutcome {
  const horizon = run.hours * 3600;
  const waits = new Collector();
  const wakeWaits = new Collector();
  const tally = { cold: emptyTally(), warm: emptyTally(), hot: emptyTally() };
  const population = createRandom(run.seed);
  const phases = createRandom(run.seed ^ 0x9e3779b9);
  let polls = 0;
  for (let u = 0; u < run.users; u++) {
    const model = userModel(population, run.mix);
    // Changes of this user, drawn from its own stream so that every schedule sees the same ones.
    const changes = createRandom((run.seed * 1_000_003 + u) >>> 0);
    let online = model.wakeAt < 0;
    let nextChange = online ? exponential(changes, model.onlineMeanSeconds) : model.wakeAt;
    let wakePending = !online;
    let lastSeenChange = Number.NEGATIVE_INFINITY;
    // The first poll of each user at a uniform phase, as a running schedule would have them.
    let poll = phases() * schedule.intervalSeconds[online ? 'warm' : 'cold'];
    let observed: ObservedClass = online ? 'warm' : 'cold';
    let previousPoll = 0;
    while (poll < horizon) {
      let changedSinceLastPoll = false;
      while (nextChange <= poll) {
        waits.push(poll - nextChange);
        tally[observed].changes++;
        if (wakePending) {
          wakeWaits.push(poll - nextChange);
          wakePending = false;
          online = true;
        }
        changedSinceLastPoll = true;
        nextChange += exponential(changes, model.onlineMeanSeconds);
      }
      tally[observed].userSeconds += poll - previousPoll;
      polls++;
      if (changedSinceLastPoll) lastSeenChange = poll;
      observed = !online ? 'cold' : poll - lastSeenChange <= schedule.hotWindowSeconds ? 'hot' : 'warm';
      previousPoll = poll;
      poll += schedule.intervalSeconds[observed];
    }
    tally[observed].userSeconds += horizon - previousPoll;
  }
  return {
    schedule,
    waits: waits.done(),
    wakeWaits: wakeWaits.done(),
    polls,
    pollRate: polls / horizon,
    tally,
  };
}

function emptyTally(): ClassTally {
  return { userSeconds: 0, changes: 0 };
}

/**
 * Intervals that minimise the mean wait for a given budget: a class changing at λ per user-second is polled
 * every T ∝ 1 / √λ (the square-root rule of Cho and Garcia-Molina's freshness work), so Σ n_c / T_c = R.
 * `coldCapSeconds` bounds the cold interval (the worst case of a user coming back); the budget it frees or takes
 * goes to the other classes.
 */
export function squareRootSchedule(
  tally: Record<ObservedClass, ClassTally>,
  hours: number,
  pollsPerSecond: number,
  hotWindowSeconds: number,
  coldCapSeconds: number,
): Schedule {
  const horizon = hours * 3600;
  const size = (c: ObservedClass): number => tally[c].userSeconds / horizon;
  // A class with no change seen still needs a finite interval: one change in the run is the floor of its rate.
  const rate = (c: ObservedClass): number => Math.max(tally[c].changes, 1) / Math.max(tally[c].userSeconds, 1);
  const solve = (classes: readonly ObservedClass[], budget: number): Record<string, number> => {
    const sum = classes.reduce((total, c) => total + size(c) * Math.sqrt(rate(c)), 0);
    return Object.fromEntries(classes.map((c) => [c, sum / (budget * Math.sqrt(rate(c)))]));
  };
  let intervals = solve(CLASSES, pollsPerSecond);
  if ((intervals['cold'] ?? 0) > coldCapSeconds) {
    const rest = pollsPerSecond - size('cold') / coldCapSeconds;
    intervals = { ...solve(['warm', 'hot'], rest), cold: coldCapSeconds };
  }
  return {
    name: `square-root, cold <= ${Math.round(coldCapSeconds)} s`,
    intervalSeconds: { cold: intervals['cold'] ?? 0, warm: intervals['warm'] ?? 0, hot: intervals['hot'] ?? 0 },
    hotWindowSeconds,
  };
}

/** Every interval times `factor`: brings a schedule whose measured poll rate missed the budget back onto it. */
export function scaled(schedule: Schedule, factor: number): Schedule {
  const { cold, warm, hot } = schedule.intervalSeconds;
  return { ...schedule, intervalSeconds: { cold: cold * factor, warm: warm * factor, hot: hot * factor } };
}
