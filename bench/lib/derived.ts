/** Figures that combine two scenarios: the connector end to end against the raw kafkajs ceiling. */
import type { StepOutcome } from '../run.js';
import { round, type FigureRow } from './scenario.js';

interface CeilingSummary {
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
}

interface ShareSummary {
  share: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  publishEventsPerSecond: number;
}

export function derivedRows(outcomes: readonly StepOutcome[]): FigureRow[] {
  const ceiling = outcomes.find((outcome) => outcome.scenario === 'kafka-ceiling')?.result?.details['summary'] as
    Record<string, CeilingSummary> | undefined;
  const e2e = outcomes.find((outcome) => outcome.scenario === 'end-to-end')?.result?.details['perShare'] as
    ShareSummary[] | undefined;
  const raw = ceiling?.['txn-650'];
  if (raw === undefined || e2e === undefined) return [];
  const grouped = ceiling?.['txn-grouped'];
  const rows: FigureRow[] = [];
  for (const summary of e2e) {
    const churn = `churn ${summary.share * 100} %`;
    const versus = (baseline: CeilingSummary, name: string, note: string): void => {
      const ratio = (100 * summary.eventsPerSecond) / baseline.eventsPerSecond;
      const cpuRatio = (100 * summary.eventsPerCpuSecond) / baseline.eventsPerCpuSecond;
      rows.push(
        {
          section: 'ratio',
          figure: `${churn}: connector events/s vs raw ${name}`,
          value: round(ratio, 1),
          unit: '%',
          target: '>= 90 %',
          met: ratio >= 90,
          note,
        },
        {
          section: 'ratio',
          figure: `${churn}: connector events per CPU-s vs raw ${name}`,
          value: round(cpuRatio, 1),
          unit: '%',
          target: '>= 90 %',
          met: cpuRatio >= 90,
        },
      );
    };
    const publishRatio = round((100 * summary.publishEventsPerSecond) / raw.eventsPerSecond, 1);
    versus(
      raw,
      'txn-650',
      `the issue's baseline: one transaction per 650 events; publish part alone (cycle minus a no-change cycle): ${publishRatio} %`,
    );
    if (grouped !== undefined)
      versus(
        grouped,
        'txn-grouped',
        'like for like: the connector commits queued batches together, as this baseline does',
      );
  }
  return rows;
}
