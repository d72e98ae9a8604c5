/** What a benchmark scenario receives and returns; scenarios run one per child process (see scenario-child.ts). */

/** One line of the printed table. */
export interface FigureRow {
  /** Which part of the issue it answers: kafka, e2e, graph, memory, restore, profile. */
  section: string;
  figure: string;
  value: number | null;
  unit: string;
  /** The target as written in the issue, e.g. ">= 90 %". */
  target?: string;
  /** Whether the target is met; undefined when the figure has none. */
  met?: boolean;
  note?: string;
}

export interface ScenarioResult {
  rows: FigureRow[];
  /** Everything measured, for the JSON file and for figures that combine scenarios. */
  details: Record<string, unknown>;
}

export interface ScenarioContext {
  brokers: string[];
  /** The broker's JVM, for its CPU; undefined when it could not be found. */
  brokerPid: number | undefined;
  quick: boolean;
  resultsDir: string;
  params: Record<string, unknown>;
}

export type Scenario = (context: ScenarioContext) => Promise<ScenarioResult>;

export type ScenarioMessage =
  | { kind: 'result'; result: ScenarioResult }
  | { kind: 'error'; message: string; stack: string | undefined }
  | { kind: 'progress'; message: string };

/** Progress lines go to the parent, which prints them with the scenario's name. */
export function progress(message: string): void {
  if (process.send !== undefined) process.send({ kind: 'progress', message } satisfies ScenarioMessage);
  else process.stderr.write(`${message}\n`);
}

export function numberParam(context: ScenarioContext, name: string, fallback: number): number {
  const value = context.params[name];
  return typeof value === 'number' ? value : fallback;
}

export function stringParam(context: ScenarioContext, name: string, fallback: string): string {
  const value = context.params[name];
  return typeof value === 'string' ? value : fallback;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
