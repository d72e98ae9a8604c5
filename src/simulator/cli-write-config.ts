/**
 * The `simulate` command's `--write-config DIR` and `--brokers LIST`: their flags and usage, starting the simulator
 * on the folder's certificate and port when a previous start left them, writing the folder, and the lines that say
 * what to run next. Kept apart from cli.ts, which owns the other flags.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import type { FlagValues } from './cli-directory.js';
import { DEFAULT_CONFIG_BROKERS, previousPort, writeSimulatorConfig, type ConfigTarget } from './config-writer.js';
import type { GraphSimulatorOptions } from './options.js';
import { startGraphSimulator, type GraphSimulator } from './server.js';
import { loadOrCreateTls, type StoredTls } from './tls-store.js';
import type { TlsMaterial } from './tls.js';

export const WRITE_CONFIG_CLI_FLAGS = {
  'write-config': { type: 'string' },
  brokers: { type: 'string' },
} as const;

export const WRITE_CONFIG_CLI_USAGE = `  --write-config DIR  once started, write DIR/connector.yaml for run and tail (with users.txt, the client secret
                      and the certificate beside it); a later start with the same DIR keeps port and certificate
  --brokers LIST      kafka.brokers of that config, host:port,... (default ${DEFAULT_CONFIG_BROKERS.join(',')})`;

function invalid(message: string, details: Record<string, unknown>): ConnectorError {
  return new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, message, { details });
}

function parseBrokers(value: string): string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0 || brokers.some((broker) => !/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(broker)))
    throw invalid(`Invalid --brokers '${value}': expected host:port[,host:port...]`, { flag: 'brokers', value });
  return brokers;
}

/** The folder to write and its brokers; null without --write-config. Throws for flags that cannot go together. */
export function configTargetFromFlags(values: FlagValues, options: GraphSimulatorOptions): ConfigTarget | null {
  const dir = values['write-config'];
  const brokers = values['brokers'];
  if (typeof dir !== 'string') {
    if (brokers !== undefined) throw invalid('--brokers goes with --write-config DIR', { flag: 'brokers' });
    return null;
  }
  if (dir.trim() === '') throw invalid('--write-config needs a folder', { flag: 'write-config' });
  // The connector signs in through MSAL, which accepts only an https authority.
  if (options.tls === false) throw invalid('--write-config needs HTTPS: drop --http', { flag: 'write-config' });
  return { dir, brokers: typeof brokers === 'string' ? parseBrokers(brokers) : DEFAULT_CONFIG_BROKERS };
}

export interface ConfigStart {
  simulator: GraphSimulator;
  /** Where the certificate came from: the folder (a connector configured earlier trusts it), or new. */
  certificate: StoredTls['origin'];
  /** The port of the previous start when it could not be had again. */
  portLost?: number;
  /** The pair the simulator serves, stored in the folder for the next start. */
  tls: TlsMaterial;
}

function addressInUse(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && 'code' in cause && cause.code === 'EADDRINUSE';
}

/**
 * Starts on the folder's certificate and key (new ones when missing or unfit) and, unless --port says otherwise,
 * on the port of the previous start; a free port when that one is taken now.
 */
export async function startForConfig(
  target: ConfigTarget,
  options: GraphSimulatorOptions,
  start: (options: GraphSimulatorOptions) => Promise<GraphSimulator> = startGraphSimulator,
): Promise<ConfigStart> {
  const tls = await loadOrCreateTls(target.dir, options.host ?? '127.0.0.1');
  const remembered = options.port === undefined ? await previousPort(target.dir) : undefined;
  const withTls: GraphSimulatorOptions = { ...options, tlsCertificate: tls.material };
  const result = { certificate: tls.origin, tls: tls.material };
  if (remembered === undefined) return { ...result, simulator: await start(withTls) };
  try {
    return { ...result, simulator: await start({ ...withTls, port: remembered }) };
  } catch (error) {
    if (!addressInUse(error)) throw error;
    return { ...result, simulator: await start(withTls), portLost: remembered };
  }
}

/** Writes the folder; on failure the simulator is closed, as the caller has nothing to serve without it. */
export async function writeConfigFor(
  target: ConfigTarget,
  started: ConfigStart,
  options: GraphSimulatorOptions,
): Promise<string> {
  try {
    const written = await writeSimulatorConfig(target, started.simulator, started.tls, options.budget);
    return written.caFile;
  } catch (cause) {
    await started.simulator.close();
    throw new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Cannot write the config into ${target.dir}`, {
      cause,
      details: { dir: target.dir },
    });
  }
}

/** Lines for the start banner: where the config is, what it needs, what to run, and whether a restart is due. */
export function describeWrittenConfig(target: ConfigTarget, started: ConfigStart): string[] {
  const config = `${target.dir.replace(/\/+$/, '')}/connector.yaml`;
  const local = target.brokers.length === 1 && /^(localhost|127\.0\.0\.1):9092$/.test(target.brokers[0] ?? '');
  const lines = [
    `  Config           ${config}  (users.txt, graph-client-secret, simulator-ca.pem beside it)`,
    `  Kafka            ${target.brokers.join(',')}${local ? '  (a local broker: npm run broker -- --port 9092)' : ''}`,
    `  Next             npm run connector -- run --config ${config}`,
    `                   npm run connector -- tail --config ${config}`,
  ];
  if (started.portLost !== undefined)
    lines.push(
      `  Note             port ${started.portLost} of the previous start is taken: a connector started before must be restarted`,
    );
  else if (started.certificate === 'replaced')
    lines.push('  Note             new certificate: a connector started before this simulator must be restarted');
  return lines;
}
