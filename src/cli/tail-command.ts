import { parseArgs } from 'node:util';
import { envVarName, formatProblem, loadConfig, type ConnectorConfig } from '../config/index.js';
import { createPresenceEventCodec } from '../events/index.js';
import { startTopicReader, type TopicReader, type TopicReaderOptions, type TopicRecord } from '../kafka/index.js';
import { formatCounted } from '../observability/index.js';
import {
  registryClientOptions,
  SchemaRegistryClient,
  type SchemaRegistryClientOptions,
} from '../schema-registry/index.js';
import { UsageError } from './args.js';
import {
  formatEventJson,
  formatEventLine,
  formatTombstone,
  formatUndecodable,
  type EventFormat,
} from './event-view.js';
import { createRecordDecoder, describeValueFormat, type RecordDecoder } from './record-decoder.js';
import { waitForStopSignal } from './signals.js';
import { helpText } from './usage.js';

const DEFAULT_TAIL_BROKERS = ['localhost:9092'];

export interface TailOptions {
  brokers: string[];
  topic: string;
  fromBeginning: boolean;
  format: EventFormat;
  /** Stop after this many records; undefined: until Ctrl-C. */
  max: number | undefined;
  /** TLS and SASL of the connector's config (--config); plaintext without it. */
  security: Pick<TopicReaderOptions, 'ssl' | 'sasl'>;
  /** Where Confluent-framed values find their writer schema (--schema-registry, or schemaRegistry of --config). */
  schemaRegistry: SchemaRegistryClientOptions | undefined;
}

interface TailIo {
  out(line: string): void;
  err(line: string): void;
}

const stdio: TailIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** `tail --topic T | --config FILE [...]`: prints the events on a topic, decoded, until Ctrl-C or --max. */
export async function runTail(args: string[]): Promise<number> {
  const options = parseTailArgs(args, stdio.err);
  if (options === 'help') {
    stdio.out(helpText('tail'));
    return 0;
  }
  // A reader stopped on purpose has done its job: exit 0 on every stop signal, a repeated Ctrl-C included.
  const stopSignal = waitForStopSignal({ onRepeat: () => process.exit(0) });
  const limit = recordLimit(options.max);
  const clientLog = heldClientLog();
  const registry = options.schemaRegistry === undefined ? undefined : new SchemaRegistryClient(options.schemaRegistry);
  const printer = recordPrinter(createRecordDecoder(createPresenceEventCodec(), registry), options.format, stdio);
  const starting = startTopicReader(readerOptions(options, limit, printer.print, clientLog.write));
  const first = await Promise.race([starting, stopSignal]).catch(async (error: unknown) => {
    await registry?.close();
    throw error;
  });
  if (typeof first === 'string') {
    // Ctrl-C while still connecting (a broker that does not answer, say): the CLI exits at once, and the
    // connection attempt with it.
    starting.catch(() => undefined);
    await registry?.close();
    return 0;
  }
  clientLog.open();
  stdio.err(describeStart(options, first));
  await Promise.race([stopSignal, limit.reached, first.finished, stdoutClosed()]);
  await first.stop();
  await printer.drained();
  await registry?.close();
  return 0;
}

function readerOptions(
  options: TailOptions,
  limit: RecordLimit,
  printRecord: (record: TopicRecord) => void,
  onLog: ClientLogWriter,
): TopicReaderOptions {
  return {
    brokers: options.brokers,
    topic: options.topic,
    fromBeginning: options.fromBeginning,
    clientId: 'presence-connector-tail',
    ...options.security,
    onRecord: (record) => {
      if (limit.take()) printRecord(record);
    },
    onLog,
  };
}

/**
 * The Kafka client's own warnings, shown only once reading started: while connecting, the error that start-up
 * throws says it all; afterwards they are the only sign of trouble (a broker gone, a rebalance).
 */
function heldClientLog(): { write: ClientLogWriter; open(): void } {
  let open = false;
  return {
    write: (entry) => {
      if (open) stdio.err(`kafka ${entry.level}: ${entry.message}`);
    },
    open: () => {
      open = true;
    },
  };
}

function describeStart(options: TailOptions, reader: TopicReader): string {
  const from = options.fromBeginning ? 'from the beginning' : 'new records only';
  const until =
    options.max === undefined ? 'Ctrl-C to stop' : `stopping after ${formatCounted(options.max, 'record')} or Ctrl-C`;
  const partitions = formatCounted(reader.partitions, 'partition');
  return `Reading topic ${options.topic} on ${options.brokers.join(',')} (${partitions}), ${from}; ${until}`;
}

/**
 * Prints records in the order they arrived although decoding may wait for the registry (a writer schema seen for
 * the first time): each record's line is chained after the previous one's.
 */
function recordPrinter(decoder: RecordDecoder, format: EventFormat, io: TailIo) {
  let printed: Promise<void> = Promise.resolve();
  return {
    print(record: TopicRecord): void {
      printed = printed.then(async () => {
        if (record.value.length === 0) {
          io.out(formatTombstone(record, format));
          return;
        }
        const decoded = await decoder.decode(record);
        if (!decoded.ok) io.err(formatUndecodable(record, decoded.reason));
        else if (format === 'json') io.out(formatEventJson(decoded.event, record, decoded.value));
        else io.out(`${formatEventLine(decoded.event)}  (${describeValueFormat(decoded.value)})`);
      });
    },
    drained: (): Promise<void> => printed,
  };
}

type ClientLogWriter = NonNullable<TopicReaderOptions['onLog']>;

export interface RecordLimit {
  /** Whether one more record may be printed. */
  take(): boolean;
  /** Resolves once --max records were taken; never without --max. */
  reached: Promise<void>;
}

/** Counts records against --max. Exported for tests. */
export function recordLimit(max: number | undefined): RecordLimit {
  let taken = 0;
  let markReached: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    markReached = resolve;
  });
  return {
    reached,
    take() {
      if (max !== undefined && taken >= max) return false;
      taken += 1;
      if (taken === max) markReached();
      return true;
    },
  };
}

/** `tail ... | head` closes stdout early: that is the reader's cue to stop, not a crash. */
function stdoutClosed(): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') resolve();
    });
  });
}

/**
 * The flags, and with --config the connector's config, loaded without its Graph credential (tail signs in to
 * nothing); `warn` is told of the config's warnings (a misspelt PRESENCE_* variable).
 */
export function parseTailArgs(args: string[], warn: (line: string) => void = () => undefined): TailOptions | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      topic: { type: 'string', short: 't' },
      brokers: { type: 'string', short: 'b' },
      config: { type: 'string', short: 'c' },
      'from-beginning': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      max: { type: 'string' },
      'schema-registry': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const config =
    values.config === undefined
      ? undefined
      : loadConfig({
          file: values.config,
          requireCredentials: false,
          onWarning: (warning) => warn(`warning: ${formatProblem(warning)}`),
        });
  const fromConfig = config?.kafka;
  const topic = values.topic ?? fromConfig?.topic;
  if (topic === undefined) throw new UsageError('tail needs --topic T or --config FILE');
  return {
    brokers:
      values.brokers === undefined ? (fromConfig?.brokers ?? DEFAULT_TAIL_BROKERS) : parseBrokers(values.brokers),
    topic,
    fromBeginning: values['from-beginning'],
    format: values.json ? 'json' : 'human',
    max: values.max === undefined ? undefined : parseMax(values.max),
    security: {
      ...(fromConfig?.tls === undefined ? {} : { ssl: fromConfig.tls }),
      ...(fromConfig?.sasl === undefined ? {} : { sasl: fromConfig.sasl }),
    },
    schemaRegistry: registryOptions(values['schema-registry'], config?.schemaRegistry),
  };
}

/**
 * With --schema-registry URL, credentials come from the connector's own variables (PRESENCE_SCHEMA_REGISTRY_API_KEY
 * and _API_SECRET, or _BEARER_TOKEN), so Confluent Cloud needs no config file. Exported for tests.
 */
export function registryAuthFromEnv(env: NodeJS.ProcessEnv): Pick<SchemaRegistryClientOptions, 'auth'> {
  const valueOf = (setting: string) => env[envVarName(['schemaRegistry', setting])]?.trim();
  const key = valueOf('apiKey');
  const secret = valueOf('apiSecret');
  const token = valueOf('bearerToken');
  if (key && secret) return { auth: { kind: 'basic', username: key, password: secret } };
  if (key || secret)
    throw new UsageError(
      `set both ${envVarName(['schemaRegistry', 'apiKey'])} and ${envVarName(['schemaRegistry', 'apiSecret'])}, or neither`,
    );
  return token ? { auth: { kind: 'bearer', token } } : {};
}

/** --schema-registry URL wins (credentials from the environment); else the config's, with its credentials. */
function registryOptions(
  url: string | undefined,
  configured: ConnectorConfig['schemaRegistry'],
): SchemaRegistryClientOptions | undefined {
  if (url !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(url))
      throw new UsageError(`--schema-registry expects an http(s) URL, got ${JSON.stringify(url)}`);
    return { url, requestTimeoutMs: 10_000, ...registryAuthFromEnv(process.env) };
  }
  return configured === undefined ? undefined : registryClientOptions(configured);
}

/** Exported for tests. */
export function parseBrokers(value: string): string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0 || brokers.some((broker) => !/^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(broker))) {
    throw new UsageError(`--brokers expects host:port[,host:port...], got ${JSON.stringify(value)}`);
  }
  return brokers;
}

/** Exported for tests. */
export function parseMax(value: string): number {
  const max = Number(value);
  if (!Number.isSafeInteger(max) || max < 1)
    throw new UsageError(`--max expects a whole number of at least 1, got ${JSON.stringify(value)}`);
  return max;
}
