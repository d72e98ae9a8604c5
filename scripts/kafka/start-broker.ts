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

function portOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--${name} must be a port number, got ${JSON.stringify(raw)}\n${usage()}`);
    process.exit(2);
  }
  return port;
}

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

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
    port: portOption('port', values.port),
    controllerPort: portOption('controller-port', values['controller-port']),
    dataDir: values['data-dir'],
    kafkaVersion: values.version,
    onProgress: log,
  });
  process.stdout.write(`${broker.brokers.join(',')}\n`);
  log(`Broker log: ${broker.logFile}. Ctrl-C to stop.`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the broker`);
    broker
      .dispose()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log(`stop failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
