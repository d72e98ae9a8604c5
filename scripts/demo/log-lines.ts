/** How the demo shows the connector's own log: one short line per entry, among its progress lines. */
import { Writable } from 'node:stream';
import { KAFKA_CLIENT_LOG_FIELD } from '../../src/kafka/index.js';

/**
 * The connector's pino lines (warn and above), shortened to one readable line each. Without --verbose, the Kafka
 * client's own lines (marked by src/kafka with KAFKA_CLIENT_LOG_FIELD) are left out: on a broker that just started
 * they are mostly coordinators still loading, which the client retries by itself, and the connector reports real
 * Kafka trouble in its own words.
 */
export function connectorLogLines(verbose: boolean, say: (message: string) => void): Writable {
  const levels: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const entry = parseLogLine(line);
        if (!verbose && entry !== undefined && KAFKA_CLIENT_LOG_FIELD in entry) continue;
        say(`connector ${entry === undefined ? line : describeLogLine(entry, levels)}`);
      }
      callback();
    },
  });
}

/** undefined for a line that is not pino JSON (a stray write): it is shown as it is. */
function parseLogLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeLogLine(entry: Record<string, unknown>, levels: Record<number, string>): string {
  const level = typeof entry['level'] === 'number' ? (levels[entry['level']] ?? String(entry['level'])) : 'log';
  const client = entry[KAFKA_CLIENT_LOG_FIELD];
  const where =
    typeof client === 'string'
      ? ` [kafka ${client}]`
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
