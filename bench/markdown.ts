/**
 * Prints the table of a results file as Markdown, for BENCHMARKS.md:
 *
 *   npx tsx bench/markdown.ts [bench/results/latest.json]
 */
import { readFileSync } from 'node:fs';
import type { FigureRow } from './lib/scenario.js';
import { formatMarkdown } from './lib/table.js';

const file = process.argv[2] ?? new URL('./results/latest.json', import.meta.url).pathname;
const report = JSON.parse(readFileSync(file, 'utf8')) as {
  table: FigureRow[];
  machine: Record<string, unknown>;
  mode: string;
  totalSeconds: number;
  generatedAt: string;
};
process.stdout.write(
  `${formatMarkdown(report.table)}\n\n${report.mode} run of ${report.generatedAt}, ${report.totalSeconds} s, ${JSON.stringify(report.machine)}\n`,
);
