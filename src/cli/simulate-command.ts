import { ErrorCodes, isConnectorError } from '../errors.js';
import { parseSimulatorArgs, runSimulatorCli } from '../simulator/index.js';
import { UsageError } from './args.js';
import { waitForStopSignal } from './signals.js';

/** `simulate [flags]`: runs the Graph presence simulator until SIGTERM or SIGINT, then closes it. */
export async function runSimulate(args: string[]): Promise<number> {
  validateFlags(args);
  const simulator = await runSimulatorCli(args);
  if (simulator === null) return 0;
  const signal = await waitForStopSignal();
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
    // The simulator appends its own usage text; main prints the CLI's, which lists the same flags.
    throw new UsageError(error.message.split('\n')[0] ?? error.message);
  }
}
