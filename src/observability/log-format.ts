/**
 * How numbers read in log messages, one way everywhere: counts with thousands separators (12,000), durations in
 * the largest unit that keeps them short (850 ms, 2.4 s, 42 s, 5 min). Only the message text is formatted; the
 * structured fields of a log record stay plain numbers, for machines.
 */
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** `1 cycle`, `2 cycles`, `12,000 users`. */
export function formatCounted(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${value === 1 ? singular : plural}`;
}

export function formatDuration(ms: number): string {
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  if (seconds < 119.5) return `${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  if (minutes < 119.5) return `${Math.round(minutes)} min`;
  return `${formatCount(minutes / 60)} h`;
}

/** A share as a whole percentage; a share above 0 that would round to 0 reads `<1%`. */
export function formatPercent(ratio: number): string {
  if (ratio > 0 && ratio < 0.005) return '<1%';
  return `${formatCount(ratio * 100)}%`;
}
