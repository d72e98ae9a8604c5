/**
 * `npm run demo`: the whole pipeline on one machine, with nothing to install but Java and Maven.
 *
 *   Graph simulator (HTTPS, churning users) -> connector (in-process worker) -> local Kafka broker -> live view
 *
 * Flags: `npm run demo -- --help` (demo/options.ts). The demo itself is demo/run.ts; the live view, its status line
 * and where they are written are demo/live-view.ts, demo/status.ts and demo/screen.ts. Ctrl-C stops everything in
 * reverse order; nothing is left running.
 *
 * package.json runs it as `exec node --import tsx`: without `exec`, dash (Ubuntu's /bin/sh) dies of the Ctrl-C it
 * gets while waiting, and npm then reports 130 although the demo stopped cleanly; and the tsx CLI's signal relay
 * SIGKILLs a child that is slow (60 ms) to acknowledge a signal, which would skip the orderly shutdown.
 */
import { fileURLToPath } from 'node:url';
import { BROKER_HOST_FLAG, hostBroker } from './demo/broker-host.js';
import { DEMO_USAGE, parseDemoArgs, type DemoOptions } from './demo/options.js';
import { errorMessage, isDevToolError } from './support/index.js';

/** The flags, or the exit code when there is nothing to run: 0 after --help, 2 for a usage error. */
function readOptions(args: string[]): DemoOptions | number {
  try {
    const command = parseDemoArgs(args);
    if (!command.help) return command.options;
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  } catch (error) {
    if (!isDevToolError(error, 'INVALID_OPTION')) throw error;
    process.stderr.write(`${error.message}\n\n${DEMO_USAGE}\n`);
    return 2;
  }
}

// The demo's modules (the connector, the simulator, the Kafka client) load only once there is a demo to run:
// --help and a mistyped flag answer at once.
async function main(args: string[]): Promise<number> {
  if (args.includes(BROKER_HOST_FLAG)) return hostBroker();
  const options = readOptions(args);
  if (typeof options === 'number') return options;
  const { runDemo } = await import('./demo/run.js');
  return runDemo(options, fileURLToPath(import.meta.url));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[demo] failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
