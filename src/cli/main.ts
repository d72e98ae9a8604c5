#!/usr/bin/env node
import { isConnectorError } from '../errors.js';
import { UsageError } from './args.js';
import { runCheckConfig } from './check-config-command.js';
import { runRun } from './run-command.js';

const USAGE = `Usage: presence-connector <command> [options]

Commands:
  run --config FILE            poll Graph presence and publish changes to Kafka until SIGTERM/SIGINT
  check-config --config FILE   validate the configuration and print a summary; contacts nothing

Environment variables PRESENCE_* override settings of the file (see README, "Configuration reference").`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  run: runRun,
  'check-config': runCheckConfig,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${isConnectorError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  },
);
