/** The printed rows of the freshness scenario: change-to-commit percentiles next to the floor, and the ratios. */
import { floorMs, type Percentiles } from './freshness-stats.js';
import { round, type FigureRow } from './scenario.js';

export interface FreshnessSummary {
  users: number;
  requests: number;
  windowSeconds: number;
  latency: { minMs: number; maxMs: number };
  concurrency: number;
  intervalSeconds: number;
  cycleFloorMs: number;
  measuredCycleMs: number;
  changeToCommit: Percentiles;
  changeToObserved: Percentiles;
  observedToCommit: Percentiles;
  consumerProbe: Percentiles;
  stamped: number;
  seen: number;
  superseded: number;
  missing: number;
  mismatched: number;
  throttled: number;
}

const QUANTILES = [
  { name: 'p50', q: 0.5, target: 0.55 },
  { name: 'p95', q: 0.95, target: undefined },
  { name: 'p99', q: 0.99, target: 1.05 },
  { name: 'max', q: 1, target: undefined },
] as const;

function label(users: number): string {
  return users >= 1_000_000 ? `${users / 1_000_000}M` : `${users / 1000}k`;
}

export function freshnessRows(summary: FreshnessSummary): FigureRow[] {
  const cycle = summary.cycleFloorMs;
  // What a change costs beyond its wait for a poll: the request's mean latency, then read -> readable (median).
  const latencyMs = (summary.latency.minMs + summary.latency.maxMs) / 2;
  const deliveryMs = latencyMs + summary.observedToCommit.p50;
  const prefix = `${label(summary.users)} users, ${summary.requests}/${summary.windowSeconds} s`;
  const rows: FigureRow[] = QUANTILES.map(({ name, q, target }) => {
    const value = summary.changeToCommit[name];
    const floor = floorMs(q, cycle, deliveryMs);
    const row: FigureRow = {
      section: 'freshness',
      figure: `${prefix}: change-to-commit ${name}`,
      value: round(value),
      unit: 'ms',
      note: `${round(value / cycle, 3)} × cycle; floor ${round(floor)} ms (${q} × ${round(cycle)} ms cycle + ${round(deliveryMs)} ms latency and delivery), ratio to floor ${round(value / floor, 2)}`,
    };
    if (target === undefined) return row;
    return { ...row, target: `<= ${target} × cycle (${round(target * cycle)} ms)`, met: value <= target * cycle };
  });
  rows.push(
    {
      section: 'freshness',
      figure: `${prefix}: change -> read by the worker p50 / p99`,
      value: round(summary.changeToObserved.p50),
      unit: 'ms',
      note: `p99 ${round(summary.changeToObserved.p99)} ms; read -> readable p50 ${round(summary.observedToCommit.p50)} ms, p99 ${round(summary.observedToCommit.p99)} ms; measured cycle ${round(summary.measuredCycleMs)} ms (floor ${round(cycle)} ms), interval ${summary.intervalSeconds} s, concurrency ${summary.concurrency}`,
    },
    {
      section: 'freshness',
      figure: `${prefix}: the consumer's own delay (probe) p99`,
      value: round(summary.consumerProbe.p99),
      unit: 'ms',
      note: `probe commit returned -> seen: p50 ${round(summary.consumerProbe.p50)} ms, max ${round(summary.consumerProbe.max)} ms over ${summary.consumerProbe.count} probes; an upper bound on what the consumer adds`,
    },
    {
      section: 'freshness',
      figure: `${prefix}: changes matched`,
      value: summary.seen,
      unit: 'changes',
      target: 'none missing or mismatched',
      met: summary.missing === 0 && summary.mismatched === 0,
      note: `${summary.stamped} stamped, ${summary.superseded} superseded before any poll, ${summary.missing} missing, ${summary.mismatched} mismatched; ${summary.throttled} responses 429`,
    },
  );
  return rows;
}
