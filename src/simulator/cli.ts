/**
 * The `simulate` command: flags -> options, start, print what a connector config needs. Parsing is separate from
 * running so the CLI can validate flags (and tests can check them) without opening a port.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConnectorError, ErrorCodes } from '../errors.js';
import {
  describeDirectory,
  DIRECTORY_CLI_FLAGS,
  DIRECTORY_CLI_USAGE,
  directoryOptionsFromFlags,
  type FlagValues,
} from './cli-directory.js';
import {
  configTargetFromFlags,
  describeWrittenConfig,
  startForConfig,
  WRITE_CONFIG_CLI_FLAGS,
  WRITE_CONFIG_CLI_USAGE,
  writeConfigFor,
} from './cli-write-config.js';
import type { ConfigTarget } from './config-writer.js';
import {
  DEFAULT_BUDGET_REQUESTS,
  DEFAULT_BUDGET_WINDOW_SECONDS,
  DEFAULT_CHANGES_PER_MINUTE_SHARE,
  type GraphSimulatorOptions,
  type LatencySpec,
} from './options.js';
import { startGraphSimulator, type GraphSimulator } from './server.js';
import { NO_TOKEN_FAULTS, type TokenEndpointFaults } from './token-faults.js';

export interface SimulatorCliOptions {
  simulator: GraphSimulatorOptions;
  /** Where to write the CA certificate; null: a file in the OS temp directory named after the port. */
  caOut: string | null;
  /** --write-config DIR: a ready connector config for the running simulator, and its brokers. */
  writeConfig: ConfigTarget | null;
  help: boolean;
}

export interface SimulatorCliIo {
  /** One line of human-readable output. */
  print(line: string): void;
}

export const SIMULATOR_CLI_USAGE = `Usage: simulate [flags]
  --port N            listen port (default 0: a free port)
  --host HOST         bind address (default 127.0.0.1)
  --users N           simulated users (default 1000, max 5000000)
  --churn SHARE       share of users changing per minute (default 0.03)
  --latency-ms SPEC   added latency: 50 (fixed), 20-80 (uniform) or 50~10 (normal, mean~stddev)
  --budget SPEC       requests per window per app: 1500 (per 30 s) or 1500/30s
  --http              plain HTTP instead of HTTPS (MSAL then cannot use the authority)
  --ca-out FILE       write the CA certificate (PEM) there
${WRITE_CONFIG_CLI_USAGE}
  --seed N            seed for ids, population and churn (default 1)
  --tenant-id GUID, --client-id GUID, --client-secret S
  --token-lifetime S  expires_in of issued tokens (default 3599)
  --record-served     record every served presence per user (memory grows)
  --token-faults SPEC faults of the token endpoint, NAME=VALUE[,NAME=VALUE...]:
                        throttleShare=S (429, Retry-After throttleRetryAfterSeconds, default 60),
                        serverErrorShare=S (500/503/504; serverErrorStatuses=503/504 to choose;
                        serverErrorRetryAfterShare=S of them with Retry-After serverErrorRetryAfterSeconds=N),
                        delayMs=N (slow answers), notJsonShare=S, missingAccessTokenShare=S (spoilt 200s);
                        S is a share of token requests in [0, 1], e.g. --token-faults throttleShare=1
  --help
${DIRECTORY_CLI_USAGE}`;

function invalidFlag(flag: string, value: string, expected: string): ConnectorError {
  return new ConnectorError(
    ErrorCodes.SIMULATOR_INVALID_OPTIONS,
    `Invalid --${flag} '${value}': expected ${expected}`,
    {
      details: { flag, value },
    },
  );
}

function parseNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw invalidFlag(flag, value, 'a number');
  return number;
}

/** `50` fixed, `20-80` uniform, `50~10` normal (mean~standard deviation). */
export function parseLatency(value: string): LatencySpec {
  const uniform = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value);
  if (uniform !== null) return { kind: 'uniform', minMs: Number(uniform[1]), maxMs: Number(uniform[2]) };
  const normal = /^(\d+(?:\.\d+)?)~(\d+(?:\.\d+)?)$/.exec(value);
  if (normal !== null) return { kind: 'normal', meanMs: Number(normal[1]), stdDevMs: Number(normal[2]) };
  if (/^\d+(?:\.\d+)?$/.test(value)) return { kind: 'fixed', ms: Number(value) };
  throw invalidFlag('latency-ms', value, 'N, MIN-MAX or MEAN~STDDEV (milliseconds)');
}

/** `1500` or `1500/30s` (the `s` is optional). */
export function parseBudget(value: string): { requests: number; windowSeconds?: number } {
  const match = /^(\d+)(?:\/(\d+(?:\.\d+)?)s?)?$/.exec(value);
  if (match === null) throw invalidFlag('budget', value, 'REQUESTS or REQUESTS/SECONDSs, e.g. 1500/30s');
  return match[2] === undefined
    ? { requests: Number(match[1]) }
    : { requests: Number(match[1]), windowSeconds: Number(match[2]) };
}

const TOKEN_FAULT_NAMES: ReadonlySet<string> = new Set(Object.keys(NO_TOKEN_FAULTS));

/** `throttleShare=0.5,delayMs=2000,serverErrorStatuses=503/504`: names as in `tokenFaults`; ranges checked on start. */
export function parseTokenFaults(value: string): Partial<TokenEndpointFaults> {
  const faults: Record<string, number | number[]> = {};
  for (const part of value.split(',')) {
    const match = /^\s*([A-Za-z]+)=([\d./]+)\s*$/.exec(part);
    const name = match?.[1] ?? '';
    const text = match?.[2] ?? '';
    if (!TOKEN_FAULT_NAMES.has(name)) {
      throw invalidFlag(
        'token-faults',
        value,
        `NAME=VALUE pairs with NAME one of ${[...TOKEN_FAULT_NAMES].join(', ')}`,
      );
    }
    const numbers = text.split('/').map(Number);
    if (numbers.some((number) => !Number.isFinite(number)))
      throw invalidFlag('token-faults', value, `a number for ${name}`);
    faults[name] = name === 'serverErrorStatuses' ? numbers : (numbers[0] ?? Number.NaN);
  }
  // Shapes and ranges are the schema's to check when the simulator starts, as for every other option.
  return faults as Partial<TokenEndpointFaults>;
}

/** Throws ConnectorError SIMULATOR_INVALID_OPTIONS for unknown flags or bad values; ranges are checked on start. */
export function parseSimulatorArgs(argv: string[]): SimulatorCliOptions {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        users: { type: 'string' },
        churn: { type: 'string' },
        'latency-ms': { type: 'string' },
        budget: { type: 'string' },
        http: { type: 'boolean' },
        'ca-out': { type: 'string' },
        seed: { type: 'string' },
        'tenant-id': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'token-lifetime': { type: 'string' },
        'record-served': { type: 'boolean' },
        'token-faults': { type: 'string' },
        help: { type: 'boolean' },
        ...DIRECTORY_CLI_FLAGS,
        ...WRITE_CONFIG_CLI_FLAGS,
      },
    }));
  } catch (cause) {
    throw new ConnectorError(
      ErrorCodes.SIMULATOR_INVALID_OPTIONS,
      `${cause instanceof Error ? cause.message : String(cause)}\n${SIMULATOR_CLI_USAGE}`,
      { cause },
    );
  }
  const simulator = toOptions(values);
  return {
    simulator,
    caOut: stringFlag(values['ca-out']) ?? null,
    writeConfig: configTargetFromFlags(values, simulator),
    help: values['help'] === true,
  };
}

function stringFlag(value: FlagValues[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function toOptions(values: FlagValues): GraphSimulatorOptions {
  const options: GraphSimulatorOptions = {};
  const number = (flag: string): number | undefined => parseNumber(flag, stringFlag(values[flag]));
  const assign = <K extends keyof GraphSimulatorOptions>(key: K, value: GraphSimulatorOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  assign('port', number('port'));
  assign('host', stringFlag(values['host']));
  assign('userCount', number('users'));
  assign('changesPerMinuteShare', number('churn'));
  assign('seed', number('seed'));
  assign('tokenLifetimeSeconds', number('token-lifetime'));
  assign('tenantId', stringFlag(values['tenant-id']));
  assign('clientId', stringFlag(values['client-id']));
  assign('clientSecret', stringFlag(values['client-secret']));
  if (values['http'] === true) options.tls = false;
  if (values['record-served'] === true) options.recordServedPresences = true;
  const latency = stringFlag(values['latency-ms']);
  if (latency !== undefined) options.faults = { latency: parseLatency(latency) };
  const tokenFaults = stringFlag(values['token-faults']);
  if (tokenFaults !== undefined) options.tokenFaults = parseTokenFaults(tokenFaults);
  const budget = stringFlag(values['budget']);
  if (budget !== undefined) options.budget = parseBudget(budget);
  const directory = directoryOptionsFromFlags(values);
  if (directory !== undefined) options.directory = directory;
  return options;
}

/**
 * Starts the simulator from CLI flags, writes the CA certificate (and with --write-config the connector config),
 * prints the connection details and returns the running simulator (null after `--help`). The caller owns shutdown:
 * call `close()` on SIGINT/SIGTERM.
 */
export async function runSimulatorCli(
  argv: string[],
  io: SimulatorCliIo = { print: (line) => process.stdout.write(`${line}\n`) },
): Promise<GraphSimulator | null> {
  const parsed = parseSimulatorArgs(argv);
  if (parsed.help) {
    io.print(SIMULATOR_CLI_USAGE);
    return null;
  }
  const target = parsed.writeConfig;
  if (target === null) {
    const simulator = await startGraphSimulator(parsed.simulator);
    const caPath =
      parsed.caOut ??
      join(tmpdir(), `graph-simulator-${simulator.authorityHost.replace(/[^0-9A-Za-z]+/g, '-')}-ca.pem`);
    await writeCa(simulator, caPath);
    for (const line of describe(simulator, parsed.simulator, caPath)) io.print(line);
    return simulator;
  }
  const started = await startForConfig(target, parsed.simulator);
  const { simulator } = started;
  const caPath = await writeConfigFor(target, started, parsed.simulator);
  if (parsed.caOut !== null) await writeCa(simulator, parsed.caOut);
  for (const line of describe(simulator, parsed.simulator, parsed.caOut ?? caPath)) io.print(line);
  for (const line of describeWrittenConfig(target, started)) io.print(line);
  return simulator;
}

/** Writes the CA certificate; on failure closes the simulator, which is of no use to a client that cannot trust it. */
async function writeCa(simulator: GraphSimulator, caPath: string): Promise<void> {
  try {
    await writeFile(caPath, simulator.caCertificatePem, { mode: 0o644 });
  } catch (cause) {
    await simulator.close();
    throw new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Cannot write the CA certificate to ${caPath}`, {
      cause,
      details: { caPath },
    });
  }
}

function describeTokenFaults(faults: Partial<TokenEndpointFaults> | undefined): string[] {
  const set = Object.entries(faults ?? {}).map(([name, value]) => `${name}=${String(value)}`);
  return set.length === 0 ? [] : [`  Token faults     ${set.join(', ')}`];
}

function describe(simulator: GraphSimulator, options: GraphSimulatorOptions, caPath: string): string[] {
  const budget = options.budget ?? {};
  return [
    'Graph presence simulator is running',
    `  Graph URL        ${simulator.graphUrl}  (POST /v1.0/communications/getPresencesByUserId, also /beta)`,
    `  Authority        ${simulator.authorityUrl}`,
    `  Known authority  ${simulator.authorityHost}`,
    `  Tenant id        ${simulator.tenantId}`,
    `  Client id        ${simulator.clientId}`,
    `  Client secret    ${simulator.clientSecret}`,
    `  Users            ${simulator.userCount} (first id ${simulator.userIdAt(0)})`,
    `  Churn            ${options.changesPerMinuteShare ?? DEFAULT_CHANGES_PER_MINUTE_SHARE} of users per minute`,
    `  Budget           ${budget.requests ?? DEFAULT_BUDGET_REQUESTS} requests per ${budget.windowSeconds ?? DEFAULT_BUDGET_WINDOW_SECONDS} s per app (sliding window)`,
    ...describeTokenFaults(options.tokenFaults),
    ...describeDirectory(simulator, options.directory),
    `  CA certificate   ${caPath}  (trust it, e.g. NODE_EXTRA_CA_CERTS=${caPath})`,
  ];
}
