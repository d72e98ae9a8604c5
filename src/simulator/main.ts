/**
 * Runs the simulator stand-alone (`npx tsx src/simulator/main.ts --users 1000000`) until SIGINT/SIGTERM, for
 * demos and for benchmarks that need it in its own process. The connector's CLI offers the same as `simulate`.
 */
import { isConnectorError } from '../errors.js';
import { runSimulatorCli } from './cli.js';

try {
  const simulator = await runSimulatorCli(process.argv.slice(2));
  if (simulator !== null) {
    const stop = (): void => {
      simulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
} catch (error) {
  process.stderr.write(`${isConnectorError(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
  process.exitCode = 2;
}
