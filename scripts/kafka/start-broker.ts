/**
 * Runs a local Kafka broker in the foreground for manual testing, e.g. for `presence-connector run`:
 *
 *   npm run broker -- --port 9092                            # what the README suggests
 *   npx tsx scripts/kafka/start-broker.ts [--port 9092] [--controller-port 9093] [--data-dir DIR] [--version 4.1.2]
 *   npx tsx scripts/kafka/start-broker.ts --resolve-only     # only fetch the jars (CI warm-up)
 *
 * Prints the bootstrap address on stdout (alone on a line, for scripts) and stops the broker on SIGINT/SIGTERM.
 * Progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { exitWithFailure, log, portOption, stopOnSignal } from '../support/index.js';
import { ensureKafkaJars, startLocalBroker } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'controller-port': { type: 'string' },
    'data-dir': { type: 'string' },
    version: { type: 'string' },
    'resolve-only': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

function usage(): string {
  return (
    'usage: tsx scripts/kafka/start-broker.ts [--port N] [--controller-port N] [--data-dir DIR] [--version X.Y.Z]\n' +
    '       tsx scripts/kafka/start-broker.ts --resolve-only [--version X.Y.Z]\n' +
    'Env: KAFKA_VERSION (default version), KAFKA_LOG_LEVEL (broker log level, default WARN).\n'
  );
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(usage());
    return;
  }
  if (values['resolve-only']) {
    const libsDir = await ensureKafkaJars({ kafkaVersion: values.version, onProgress: log });
    process.stdout.write(`${libsDir}\n`);
    return;
  }
  const broker = await startLocalBroker({
    port: portOption('port', values.port, usage()),
    controllerPort: portOption('controller-port', values['controller-port'], usage()),
    dataDir: values['data-dir'],
    kafkaVersion: values.version,
    onProgress: log,
  });
  process.stdout.write(`${broker.brokers.join(',')}\n`);
  log(`Broker log: ${broker.logFile}. Ctrl-C to stop.`);

  stopOnSignal('broker', () => broker.dispose());
}

main().catch(exitWithFailure);
