/** The soak's time series: growth figures (a least-squares slope over the second half), the table, the CSV. */
import type { SoakSample } from './soak-sample.js';

export interface Growth {
  /** Least-squares slope over the samples of the second half, in bytes (or count) per minute. */
  perMinute: number | null;
  /** The same over the lowest sample of each 15th of the run (2 min of 30): the heap after its collections. */
  floorPerMinute: number | null;
  first: number | null;
  last: number | null;
  max: number | null;
}

type Field = 'rssBytes' | 'heapUsedBytes' | 'heapAfterGcBytes' | 'externalBytes' | 'fds' | 'sockets';

export function slope(points: ReadonlyArray<[number, number]>): number | null {
  if (points.length < 3) return null;
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? null : covariance / variance;
}

function bucketFloors(points: ReadonlyArray<[number, number]>, minutes: number): Array<[number, number]> {
  const floors = new Map<number, [number, number]>();
  for (const point of points) {
    const bucket = Math.floor(point[0] / minutes);
    const known = floors.get(bucket);
    if (known === undefined || point[1] < known[1]) floors.set(bucket, point);
  }
  return [...floors.values()];
}

export function growthOf(samples: readonly SoakSample[], field: Field, endMinute: number): Growth {
  const points = samples
    .map((sample): [number, number | null] => [sample.minute, sample[field]])
    .filter((point): point is [number, number] => point[1] !== null);
  const secondHalf = points.filter(([minute]) => minute >= endMinute / 2);
  const values = points.map(([, value]) => value);
  return {
    perMinute: slope(secondHalf),
    // 2-minute buckets in a 30-minute run; proportionally shorter in a short one.
    floorPerMinute: slope(bucketFloors(secondHalf, endMinute / 15)),
    first: values[0] ?? null,
    last: values.at(-1) ?? null,
    max: values.length === 0 ? null : Math.max(...values),
  };
}

const MIB = 1024 * 1024;
function mib(value: number | null): string {
  return value === null ? '-' : (value / MIB).toFixed(1);
}
function count(value: number | null): string {
  return value === null ? '-' : String(value);
}

export const TABLE_HEADER = [
  'min',
  'phase',
  'rss MiB',
  'heap MiB',
  'after GC',
  'ext MiB',
  'fds',
  'sockets',
  'cycles',
  'events',
];

export function tableRow(sample: SoakSample): string[] {
  return [
    sample.minute.toFixed(1),
    sample.phase,
    mib(sample.rssBytes),
    mib(sample.heapUsedBytes),
    mib(sample.heapAfterGcBytes),
    mib(sample.externalBytes),
    count(sample.fds),
    count(sample.sockets),
    count(sample.cycles),
    count(sample.eventsPublished),
  ];
}

/** Fixed-width text table, for progress lines and for BENCHMARKS.md. */
export function formatRows(rows: readonly string[][]): string {
  const widths = TABLE_HEADER.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ')).join('\n');
}

/** One row every `everyMinutes` (the last sample of each span), plus the last sample. */
export function thinned(samples: readonly SoakSample[], everyMinutes: number): SoakSample[] {
  const kept: SoakSample[] = [];
  let next = 0;
  for (const sample of samples) {
    if (sample.minute >= next) {
      kept.push(sample);
      next = Math.floor(sample.minute / everyMinutes + 1) * everyMinutes;
    }
  }
  const last = samples.at(-1);
  if (last !== undefined && kept.at(-1) !== last) kept.push(last);
  return kept;
}

export function toCsv(samples: readonly SoakSample[]): string {
  const first = samples[0];
  if (first === undefined) return '';
  const columns = Object.keys(first) as Array<keyof SoakSample>;
  const lines = samples.map((sample) => columns.map((column) => String(sample[column] ?? '')).join(','));
  return `${columns.join(',')}\n${lines.join('\n')}\n`;
}
