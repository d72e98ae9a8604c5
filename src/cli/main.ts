#!/usr/bin/env node
import { isConnectorError } from '../errors.js';
import { UsageError } from './args.js';
import { printProcessWarnings } from './process-warnings.js';
import { CHECK_CONFIG_USAGE, SIMULATE_USAGE, TAIL_USAGE } from './usage.js';

const USAGE = `Usage: presence-connector <command> [options]

Commands:
  run --config FILE [--shards NAME,...]
      Poll Graph presence and publish changes to Kafka until SIGTERM/SIGINT, then stop gracefully.
      --shards NAME,...      poll exactly these shards (static assignment) instead of joining the worker group

${CHECK_CONFIG_USAGE}

${TAIL_USAGE}

${SIMULATE_USAGE}

  help
      This text.

Environment variables PRESENCE_* override settings of the file (see docs/configuration.md).`;

type Command = (args: string[]) => Promise<number>;

// Loaded on demand: `check-config` and `help` need neither the Kafka client nor MSAL, whose loading is most of the
// start-up time.
const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run-command.js')).runRun,
  'check-config': async () => (await import('./check-config-command.js')).runCheckConfig,
  tail: async () => (await import('./tail-command.js')).runTail,
  simulate: async () => (await import('./simulate-command.js')).runSimulate,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  return (await load())(rest);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
    process.stderr.write(`${error.message}\nRun "presence-connector help" for the commands and their flags.\n`);
    return 2;
  }
  process.stderr.write(`${isConnectorError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
  return 1;
}

// Exit explicitly once the command is done: a timer some library left behind (an uncancelled sleep, a client's
// reconnect timer) must not keep a stopped connector alive until its orchestrator kills it. stdout and stderr
// writes to files and pipes are synchronous here, and pino flushes its own stream on exit.
printProcessWarnings();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(exitCodeFor(error)),
);
