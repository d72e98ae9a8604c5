/**
 * The demo's status line: the change rate, the users and shards, the metrics URL and readiness, so that what the
 * start-up printed stays findable once the live view has scrolled it away. On a terminal it sits under the view
 * (with the `tail` command) and is refreshed every second; elsewhere it is printed every 10 s, the `tail` command
 * every 30 s.
 */
import type { DemoScreen } from './screen.js';

export interface StatusFacts {
  users: number;
  shards: number;
  metricsUrl: string;
  /** The command that shows the same topic from another terminal. */
  tailCommand: string;
}

export interface Readiness {
  ready: boolean;
  /** Why not, as /readyz says it. */
  reasons: readonly string[];
}

export const STICKY_REFRESH_MS = 1_000;
export const PLAIN_STATUS_MS = 10_000;
/** Without a sticky line the `tail` command is repeated with every this many status lines. */
const PLAIN_TAIL_EVERY = 3;
const RATE_WINDOW_MS = 10_000;

/** `6.5 changes/s, 2,000 users, 4 shards, http://127.0.0.1:41234/metrics, ready`, cut to `columns`. */
export function formatStatusLine(facts: StatusFacts, perSecond: number, readiness: Readiness, columns: number): string {
  const rate = perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString('en-US');
  const shards = `${facts.shards} shard${facts.shards === 1 ? '' : 's'}`;
  const users = `${facts.users.toLocaleString('en-US')} user${facts.users === 1 ? '' : 's'}`;
  const ready = readiness.ready
    ? 'ready'
    : `not ready: ${readiness.reasons.length === 0 ? 'starting' : readiness.reasons.join('; ')}`;
  // Readiness last: a long reason is what gets cut, never the URL (/readyz beside it has the whole reason).
  return cut(`${rate} changes/s, ${users}, ${shards}, ${facts.metricsUrl}, ${ready}`, columns);
}

/** Not cut to any width: half a command is no use. */
export function formatTailLine(facts: StatusFacts): string {
  return `tail: ${facts.tailCommand}`;
}

function cut(text: string, columns: number): string {
  const chars = Array.from(text);
  return chars.length <= columns ? text : `${chars.slice(0, Math.max(0, columns - 1)).join('')}…`;
}

/** Changes per second over the last RATE_WINDOW_MS, from the running count sampled at each tick. */
export class ChangeRate {
  private readonly samples: Array<{ at: number; total: number }> = [];

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  add(at: number, total: number): void {
    this.samples.push({ at, total });
    // Keep the newest sample at or before the window's start, so the rate spans the whole window.
    while (this.samples.length > 1 && (this.samples[1]?.at ?? at) <= at - this.windowMs) this.samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (first === undefined || last === undefined || last.at <= first.at) return 0;
    return ((last.total - first.total) * 1000) / (last.at - first.at);
  }
}

export interface StatusReporterOptions {
  screen: DemoScreen;
  /** The demo's progress line (with its elapsed-time prefix): where the status goes without a sticky line. */
  say: (message: string) => void;
  /** Columns of say()'s prefix, left out of the width a plain status line may take. */
  sayPrefixColumns: number;
  facts: StatusFacts;
  /** Changes shown so far. */
  changes: () => number;
  readiness: () => Readiness;
  now?: () => number;
}

export interface StatusReporter {
  /** One refresh (the timer calls it; tests call it with a clock of their own). */
  tick(): void;
  /** Stops the timer and leaves the last status in the scrollback. */
  stop(): void;
}

export function startStatusReporter(options: StatusReporterOptions): StatusReporter {
  const reporter = createStatusReporter(options);
  const timer = setInterval(() => reporter.tick(), options.screen.sticky ? STICKY_REFRESH_MS : PLAIN_STATUS_MS);
  timer.unref();
  // On a terminal the line shows at once; elsewhere the start-up lines just printed the same facts.
  if (options.screen.sticky) reporter.tick();
  return {
    tick: () => reporter.tick(),
    stop: () => {
      clearInterval(timer);
      reporter.stop();
    },
  };
}

/** The reporter without its timer. */
export function createStatusReporter(options: StatusReporterOptions): StatusReporter {
  const { screen, facts } = options;
  const now = options.now ?? Date.now;
  const rate = new ChangeRate();
  rate.add(now(), options.changes());
  let ticks = 0;
  const tick = (): void => {
    ticks += 1;
    rate.add(now(), options.changes());
    if (screen.sticky) {
      // One column short of the terminal: a line that fills it exactly leaves the cursor waiting to wrap.
      const line = formatStatusLine(facts, rate.perSecond(), options.readiness(), screen.columns() - 1);
      screen.status([line, formatTailLine(facts)]);
      return;
    }
    options.say(
      formatStatusLine(facts, rate.perSecond(), options.readiness(), screen.columns() - options.sayPrefixColumns),
    );
    if (ticks % PLAIN_TAIL_EVERY === 0) options.say(formatTailLine(facts));
  };
  return { tick, stop: () => screen.close() };
}
