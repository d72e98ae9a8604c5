/** How the demo shows the connector's own log: one short line per entry, among its progress lines. */
import { Writable } from 'node:stream';

/**
 * The connector's pino lines (warn and above), shortened to one readable line each. Without --verbose, lines that
 * kafkajs itself logs are left out: on a broker that just started they are mostly coordinators still loading, which
 * kafkajs retries by itself, and the connector reports real Kafka trouble in its own words.
 */
export function connectorLogLines(verbose: boolean, say: (message: string) => void): Writable {
  const levels: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '' || (!verbose && line.includes('"logger":"kafkajs"'))) continue;
        say(`connector ${describeLogLine(line, levels)}`);
      }
      callback();
    },
  });
}

function describeLogLine(line: string, levels: Record<number, string>): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry['level'] === 'number' ? (levels[entry['level']] ?? String(entry['level'])) : 'log';
  const where =
    typeof entry['kafka'] === 'string'
      ? ` [kafka ${entry['kafka']}]`
      : typeof entry['shard'] === 'string'
        ? ` [shard ${entry['shard']}]`
        : '';
  const err = entry['err'];
  const cause =
    typeof entry['error'] === 'string'
      ? entry['error']
      : typeof err === 'object' && err !== null && 'message' in err
        ? String(err.message)
        : undefined;
  return `${level}${where}: ${String(entry['msg'] ?? '')}${cause === undefined ? '' : `: ${cause}`}`;
}
