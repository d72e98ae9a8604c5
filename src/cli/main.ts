#!/usr/bin/env node
import { isConnectorError } from '../errors.js';
import { UsageError } from './args.js';
import { printProcessWarnings } from './process-warnings.js';
import { holdStopSignals } from './signals.js';
import { helpText, isCommandName, packageVersion, type CommandName } from './usage.js';

type Command = (args: string[]) => Promise<number>;

// Loaded on demand: `check-config` and `help` need neither the Kafka client nor MSAL, whose loading is most of the
// start-up time.
const commands: Record<CommandName, () => Promise<Command>> = {
  run: async () => (await import('./run-command.js')).runRun,
  'check-config': async () => (await import('./check-config-command.js')).runCheckConfig,
  tail: async () => (await import('./tail-command.js')).runTail,
  simulate: async () => (await import('./simulate-command.js')).runSimulate,
};

/** The commands that run until stopped, for which a stop signal is the ordinary end: exit 0. */
const RUN_UNTIL_STOPPED: ReadonlySet<CommandName> = new Set(['run', 'tail', 'simulate']);

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const err = (text: string): void => void process.stderr.write(`${text}\n`);

/** `--help` or `-h` anywhere before `--` (after which arguments are no flags). */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    out(helpText());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    out(helpText());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    out(packageVersion());
    return 0;
  }
  if (name === 'help') return help(rest[0]);
  if (!isCommandName(name)) {
    err(`unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    out(helpText(name));
    return 0;
  }
  return runCommand(name, rest);
}

function help(topic: string | undefined): number {
  if (topic === undefined) {
    out(helpText());
    return 0;
  }
  if (!isCommandName(topic)) {
    err(`unknown command "${topic}"\n\n${helpText()}`);
    return 2;
  }
  out(helpText(topic));
  return 0;
}

async function runCommand(name: CommandName, args: string[]): Promise<number> {
  // A Ctrl-C while the command's modules load (a second or so for the Kafka client) would otherwise kill the
  // process with the signal before the command listens for it.
  const held = holdStopSignals();
  const command = await commands[name]();
  const early = held.release();
  if (early !== undefined) return RUN_UNTIL_STOPPED.has(name) ? 0 : 130;
  try {
    return await command(args);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    err(`${error.message}\n\n${helpText(name)}`);
    return 2;
  }
}

/** Wrong flags: ours, or Node's parseArgs refusing an unknown or malformed one. */
function isUsageError(error: unknown): error is Error {
  if (error instanceof UsageError) return true;
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS_');
}

function exitCodeFor(error: unknown): number {
  err(isConnectorError(error) ? `${error.code}: ${error.message}` : String(error));
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
