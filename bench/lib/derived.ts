/**
 * Figures that combine two scenarios: the connector end to end against the raw kafkajs ceiling, and the default
 * end-to-end step against each of its variants (one output setting changed, same run).
 */
import type { StepOutcome } from '../run.js';
import { round, type FigureRow } from './scenario.js';

interface CeilingSummary {
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
}

interface ShareSummary {
  share: number;
  durationMs: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  publishEventsPerSecond: number;
}

/** The end-to-end step with the worker's default outputs (results from before variants had no `variant`). */
function isDefaultEndToEnd(outcome: StepOutcome): boolean {
  return outcome.scenario === 'end-to-end' && (outcome.result?.details['variant'] ?? '') === '';
}

export function derivedRows(outcomes: readonly StepOutcome[]): FigureRow[] {
  return [...ceilingRows(outcomes), ...variantRows(outcomes)];
}

function ceilingRows(outcomes: readonly StepOutcome[]): FigureRow[] {
  const ceiling = outcomes.find((outcome) => outcome.scenario === 'kafka-ceiling')?.result?.details['summary'] as
    Record<string, CeilingSummary> | undefined;
  const e2e = outcomes.find(isDefaultEndToEnd)?.result?.details['perShare'] as ShareSummary[] | undefined;
  const raw = ceiling?.['txn-650'];
  if (raw === undefined || e2e === undefined) return [];
  const grouped = ceiling?.['txn-grouped'];
  const rows: FigureRow[] = [];
  for (const summary of e2e) {
    const churn = `churn ${summary.share * 100} %`;
    // Issue 15's targets hold at full churn against the like-for-like baseline; the rest are for comparison.
    const targeted = summary.share === 1;
    const versus = (baseline: CeilingSummary, name: string, note: string, targets?: [number, number]): void => {
      const ratio = (100 * summary.eventsPerSecond) / baseline.eventsPerSecond;
      const cpuRatio = (100 * summary.eventsPerCpuSecond) / baseline.eventsPerCpuSecond;
      const target = (value: number, least: number | undefined): Partial<FigureRow> =>
        least === undefined ? {} : { target: `>= ${least} %`, met: value >= least };
      rows.push(
        {
          section: 'ratio',
          figure: `${churn}: connector events/s vs raw ${name}`,
          value: round(ratio, 1),
          unit: '%',
          ...target(ratio, targets?.[0]),
          note,
        },
        {
          section: 'ratio',
          figure: `${churn}: connector events per CPU-s vs raw ${name}`,
          value: round(cpuRatio, 1),
          unit: '%',
          ...target(cpuRatio, targets?.[1]),
        },
      );
    };
    const publishRatio = round((100 * summary.publishEventsPerSecond) / raw.eventsPerSecond, 1);
    versus(
      raw,
      'txn-650',
      `one transaction per 650 events; publish part alone (cycle minus a no-change cycle): ${publishRatio} %`,
    );
    if (grouped !== undefined)
      versus(
        grouped,
        'txn-grouped',
        'like for like: the connector commits queued batches together, as this baseline does',
        targeted ? [90, 75] : undefined,
      );
  }
  return rows;
}

/**
 * Each end-to-end variant against the default step of the same run, at full churn: what the setting the variant
 * turns off costs the default (or what the one it turns on would cost). Ratios only: the two steps ran one after
 * the other on a shared machine.
 */
function variantRows(outcomes: readonly StepOutcome[]): FigureRow[] {
  const base = outcomes.find(isDefaultEndToEnd)?.result?.details;
  if (base === undefined) return [];
  const rows: FigureRow[] = [];
  for (const outcome of outcomes) {
    const details = outcome.result?.details;
    const variant = details?.['variant'];
    if (outcome.scenario !== 'end-to-end' || details === undefined || typeof variant !== 'string' || variant === '')
      continue;
    const at = (of: Record<string, unknown>): ShareSummary | undefined =>
      (of['perShare'] as ShareSummary[] | undefined)?.find((summary) => summary.share === 1);
    const ours = at(base);
    const theirs = at(details);
    if (ours === undefined || theirs === undefined) continue;
    const cpuRatio = (100 * ours.eventsPerCpuSecond) / theirs.eventsPerCpuSecond;
    const cycleRatio = (100 * ours.durationMs) / theirs.durationMs;
    const quietOurs = base['quietMs'] as number;
    const quietTheirs = details['quietMs'] as number;
    rows.push(
      {
        section: 'variant',
        figure: `churn 100 %: default / [${variant}] (${outcome.label}), events per connector CPU-s`,
        value: round(cpuRatio, 1),
        unit: '%',
        note: `${round(ours.eventsPerCpuSecond)} vs ${round(theirs.eventsPerCpuSecond)} events/CPU-s: the default spends ${round((100 * theirs.eventsPerCpuSecond) / ours.eventsPerCpuSecond - 100, 1)} % more CPU per event`,
      },
      {
        section: 'variant',
        figure: `churn 100 %: default / [${variant}] (${outcome.label}), seconds per cycle`,
        value: round(cycleRatio, 1),
        unit: '%',
        note: `${round(ours.durationMs / 1000, 2)} s vs ${round(theirs.durationMs / 1000, 2)} s; cycle without changes ${round(quietOurs)} vs ${round(quietTheirs)} ms`,
      },
    );
  }
  return rows;
}
