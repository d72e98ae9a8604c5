/** The soak's rows in the bench table: growth, descriptors, the topic check, tokens and the disruptions. */
import type { RecordingCounters } from '../../src/simulator/index.js';
import type { FigureRow } from './scenario.js';
import type { BrokerRestart, Storm } from './soak-events.js';
import type { Growth } from './soak-series.js';
import type { TopicCheck } from './soak-verify.js';

const KIB = 1024;
/** Heap growth below this per minute is noise (a few hundred objects), not a leak: 30 min would make 7.5 MiB. */
const HEAP_LIMIT_PER_MINUTE = 256 * KIB;
const RSS_LIMIT_PER_MINUTE = 1024 * KIB;

export interface SoakReportInput {
  plan: { users: number; minutes: number; tokenLifetimeSeconds: number };
  growth: Record<'rss' | 'heapUsed' | 'heapAfterGc' | 'external' | 'fds' | 'sockets', Growth>;
  check: TopicCheck;
  counters: RecordingCounters;
  timeline: { broker?: BrokerRestart; storm?: Storm };
  exitCode: number | null;
}

function row(figure: string, value: number | null, unit: string, extra: Partial<FigureRow> = {}): FigureRow {
  return { section: 'soak', figure, value, unit, ...extra };
}

function rounded(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}

function below(value: number | null, limit: number): boolean | undefined {
  return value === null ? undefined : value < limit;
}

function growthRows(growth: SoakReportInput['growth']): FigureRow[] {
  const live = growth.heapAfterGc.perMinute;
  const floors = growth.heapUsed.floorPerMinute;
  const rss = growth.rss.perMinute;
  return [
    row('heap after a full collection, growth over the second half', rounded(live), 'B/min', {
      target: '< 256 KiB/min',
      met: below(live, HEAP_LIMIT_PER_MINUTE),
      note: `first ${mib(growth.heapAfterGc.first)}, max ${mib(growth.heapAfterGc.max)}, last ${mib(growth.heapAfterGc.last)} MiB`,
    }),
    row('heap used growth, second half (2-min floors)', rounded(floors), 'B/min', {
      note: `raw samples ${Math.round(growth.heapUsed.perMinute ?? Number.NaN)} B/min; last ${mib(growth.heapUsed.last)} MiB`,
    }),
    row('RSS growth, second half', rss === null ? null : Math.round(rss), 'B/min', {
      target: '< 1 MiB/min',
      met: below(rss, RSS_LIMIT_PER_MINUTE),
      note: `first ${mib(growth.rss.first)}, max ${mib(growth.rss.max)}, last ${mib(growth.rss.last)} MiB`,
    }),
    row('file descriptors at the end', growth.fds.last, 'fds', {
      note: `first ${growth.fds.first}, max ${growth.fds.max}; slope 2nd half ${fixed(growth.fds.perMinute)}/min`,
    }),
    row('sockets at the end', growth.sockets.last, 'sockets', {
      note: `first ${growth.sockets.first}, max ${growth.sockets.max}; slope 2nd half ${fixed(growth.sockets.perMinute)}/min`,
    }),
  ];
}

function checkRows(check: TopicCheck): FigureRow[] {
  const inWindow = Object.entries(check.missedInWindow)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  return [
    row('events on the topic (read_committed)', check.events, 'events', {
      note: `${check.users} users; ${check.readToEnd ? 'read to the end' : 'read stopped idle before the end'}`,
    }),
    row('duplicates (same user and sequence number)', check.duplicates, 'events', {
      target: '0',
      met: check.duplicates === 0 && check.duplicateEventIds === 0,
      note: `duplicate event ids ${check.duplicateEventIds}; not increasing ${check.notIncreasing}`,
    }),
    row(
      'served changes missing outside a crash window',
      check.missedOutsideWindows + check.lastServedMissing,
      'changes',
      {
        target: '0',
        met: check.missedOutsideWindows === 0 && check.lastServedMissing === 0 && check.notIncreasing === 0,
        note: `${check.servedPublished}/${check.servedSequences} served on the topic; last served missing ${check.lastServedMissing}; superseded inside windows: ${inWindow || 'none'}; published never served ${check.publishedNotServed}`,
      },
    ),
  ];
}

export function soakRows(input: SoakReportInput): FigureRow[] {
  const { plan, counters, timeline } = input;
  // The token provider signs in again 5 min before expiry, or at half the lifetime if that is shorter.
  const refreshSeconds = plan.tokenLifetimeSeconds - Math.min(300, plan.tokenLifetimeSeconds / 2);
  const expectedTokens = Math.floor((plan.minutes * 60) / refreshSeconds) + 1;
  const broker = timeline.broker;
  return [
    ...growthRows(input.growth),
    ...checkRows(input.check),
    row('token requests', counters.tokenRequests, 'tokens', {
      note: `lifetime ${plan.tokenLifetimeSeconds} s, a new one after ${refreshSeconds} s: about ${expectedTokens} expected (fewer while Kafka is down: no polls)`,
    }),
    row(
      'broker crash: kill to first commit',
      broker?.firstCommitAtMs == null ? null : round1((broker.firstCommitAtMs - broker.killedAtMs) / 1000),
      's',
      {
        note:
          broker === undefined
            ? 'no restart'
            : `restart took ${round1((broker.restartedAtMs - broker.killedAtMs) / 1000)} s`,
      },
    ),
    row(
      'Graph 5xx answers served',
      Object.entries(counters.byStatus)
        .filter(([s]) => Number(s) >= 500)
        .reduce((a, [, c]) => a + c, 0),
      'answers',
      {
        note:
          timeline.storm === undefined
            ? 'no storm'
            : `storm ${round1((timeline.storm.toMs - timeline.storm.fromMs) / 1000)} s at ${Math.round(timeline.storm.serverErrorShare * 100)} %; worker exit ${input.exitCode}`,
      },
    ),
  ];
}

function mib(value: number | null): string {
  return value === null ? '-' : (value / (1024 * 1024)).toFixed(1);
}
function fixed(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}
function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
