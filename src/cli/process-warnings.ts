/**
 * Node's own process warnings, minus one that is noise. kafkajs 2.2.4 (its last release) arms a timer with a
 * negative delay in its request queue whenever nothing is throttled (src/network/requestQueue/index.js,
 * scheduleCheckPendingRequests); Node 24 warns about each such timer (TimeoutNegativeWarning) and runs it after
 * 1 ms, exactly what Node 20 did silently. An operator can do nothing about it, so exactly that warning is dropped;
 * every other one is printed as Node prints it.
 */

export type WarningWriter = (line: string) => void;

/** A TimeoutNegativeWarning whose stack runs through kafkajs: nothing else. */
export function isKnownKafkaClientNoise(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && (warning.stack ?? '').includes('kafkajs');
}

/** What Node's default handler prints: `(node:PID) Name: message`, with the stack under --trace-warnings. */
export function formatWarning(warning: Error, pid: number, traceWarnings: boolean): string {
  const text = traceWarnings && warning.stack !== undefined ? warning.stack : `${warning.name}: ${warning.message}`;
  return `(node:${pid}) ${text}\n`;
}

/** Replaces Node's default warning printer for this process; call once, at the CLI's start. */
export function printProcessWarnings(write: WarningWriter = (line) => void process.stderr.write(line)): void {
  // Node prints warnings through a listener of its own; with --no-warnings there is none and nothing is printed.
  if (process.listenerCount('warning') === 0) return;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (isKnownKafkaClientNoise(warning)) return;
    write(formatWarning(warning, process.pid, process.traceProcessWarnings === true));
  });
}
