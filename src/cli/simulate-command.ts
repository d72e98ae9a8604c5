import { ErrorCodes, isConnectorError } from '../errors.js';
import { parseSimulatorArgs, runSimulatorCli } from '../simulator/index.js';
import { UsageError } from './args.js';
import { waitForStopSignal } from './signals.js';

/** `simulate [flags]`: runs the Graph presence simulator until SIGTERM or SIGINT, then closes it. */
export async function runSimulate(args: string[]): Promise<number> {
  validateFlags(args);
  // Listening before start: a signal that arrives while the certificate is generated still closes cleanly.
  const stopped = waitForStopSignal();
  const simulator = await runSimulatorCli(args);
  if (simulator === null) return 0;
  const signal = await stopped;
  process.stderr.write(`${signal}: stopping the simulator\n`);
  await simulator.close();
  return 0;
}

/** Bad flags are a usage error (exit 2), reported before a port is opened or a certificate generated. */
function validateFlags(args: string[]): void {
  try {
    parseSimulatorArgs(args);
  } catch (error) {
    if (!isConnectorError(error, ErrorCodes.SIMULATOR_INVALID_OPTIONS)) throw error;
    // Only the first line: the simulator appends its own usage text, and the CLI points to `help` instead.
    throw new UsageError(error.message.split('\n')[0] ?? error.message);
  }
}
