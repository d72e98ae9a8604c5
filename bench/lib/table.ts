/** The printed table: one line per figure, columns padded to the widest cell. */
import type { FigureRow } from './scenario.js';

export function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '-';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Math.round(value * 10) / 10);
}

export function formatTable(rows: readonly FigureRow[]): string {
  const header = ['section', 'figure', 'value', 'unit', 'target', 'met', 'note'];
  const cells = rows.map((row) => [
    row.section,
    row.figure,
    formatValue(row.value),
    row.unit,
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
    row.note ?? '',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (column === 6 ? 0 : (line[column] ?? '').length))),
  );
  const format = (line: string[]): string =>
    line
      .map((cell, column) =>
        column === 2 ? cell.padStart(widths[column] ?? 0) : column === 6 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((width) => '-'.repeat(Math.max(width, 4)))), ...cells.map(format)].join(
    '\n',
  );
}

/** The same rows as a Markdown table, for BENCHMARKS.md. */
export function formatMarkdown(rows: readonly FigureRow[]): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const lines = [
    '| section | figure | value | unit | target | met | note |',
    '| --- | --- | ---: | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.section} | ${escape(row.figure)} | ${formatValue(row.value)} | ${row.unit} | ${escape(row.target ?? '')} | ${row.met === undefined ? '' : row.met ? 'yes' : '**no**'} | ${escape(row.note ?? '')} |`,
    );
  }
  return lines.join('\n');
}
