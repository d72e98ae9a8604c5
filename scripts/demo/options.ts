/** The demo's flags: its usage text (laid out as the CLI's, src/cli/usage.ts) and their parsing. */
import { parseArgs } from 'node:util';
import { DEFAULT_KAFKA_VERSION } from '../kafka/index.js';
import { DevToolError } from '../support/index.js';

export const SHARD_NAMES = ['emea', 'amer', 'apac', 'latam', 'anz', 'india', 'nordics', 'benelux'];

export interface DemoOptions {
  users: number;
  churn: number;
  intervalSeconds: number;
  shards: number;
  /** Also show the Kafka client's own warnings (transient coordinator loading, idempotence notices). */
  verbose: boolean;
  /** Also start a local Schema Registry: values are then Confluent-framed, and the view says with which id. */
  registry: boolean;
}

export type DemoCommand = { help: true } | { help: false; options: DemoOptions };

/** Laid out as the CLI's help (src/cli/usage.ts): usage line, what it does, the flags in a column. */
export const DEMO_USAGE = `Usage: npm run demo -- [--users N] [--churn SHARE] [--interval SECONDS] [--shards N] [--registry] [--verbose]

Start the Graph presence simulator, a local Kafka broker (from Maven jars: Java 17+ and Maven) and the
connector in one process, and print each presence change as it reaches Kafka, one line of at most 100
columns, until Ctrl-C stops everything it started. A status line keeps the change rate, readiness, the
metrics URL and the \`tail\` command in view. Exit 0 once stopped, 1 when a part failed, 2 for a bad flag.

Flags:
  --users N              simulated users (default 2000, at most 100000)
  --churn SHARE          share of the users whose presence changes per minute (default 0.2, 0 to 1)
  --interval SECONDS     how often each shard is polled (default 5, 1 to 3600)
  --shards N             shards the users are split into (default 4, at most ${SHARD_NAMES.length})
  --registry             also start a local Schema Registry (Apicurio, Java 21+; the first run downloads
                         about 160 MB): values are then Confluent-framed, and the view names the schema id
  --verbose              also show the Kafka client's own log lines (mostly a new broker's coordinators
                         still loading, which the client retries by itself)
  --help, -h             this help

Environment:
  KAFKA_VERSION          the broker's Kafka version (default ${DEFAULT_KAFKA_VERSION})`;

/** `--help` wins over everything else; anything unknown or out of range throws DevToolError INVALID_OPTION. */
export function parseDemoArgs(args: string[]): DemoCommand {
  const values = readFlags(args);
  if (values === 'help' || values.help) return { help: true };
  return {
    help: false,
    options: {
      users: Math.round(number('users', values.users, 1, 100_000)),
      churn: number('churn', values.churn, 0, 1),
      intervalSeconds: Math.round(number('interval', values.interval, 1, 3600)),
      shards: Math.round(number('shards', values.shards, 1, SHARD_NAMES.length)),
      verbose: values.verbose,
      registry: values.registry,
    },
  };
}

function readFlags(args: string[]): ReturnType<typeof parseFlags>['values'] | 'help' {
  try {
    return parseFlags(args).values;
  } catch (error) {
    // node:util says what is wrong ("Unknown option '--user'"); --help is still honoured beside a mistake.
    if (args.includes('--help') || args.includes('-h')) return 'help';
    throw new DevToolError('INVALID_OPTION', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function parseFlags(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      users: { type: 'string', default: '2000' },
      churn: { type: 'string', default: '0.2' },
      interval: { type: 'string', default: '5' },
      shards: { type: 'string', default: '4' },
      verbose: { type: 'boolean', default: false },
      registry: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function number(name: string, raw: string, min: number, max: number): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new DevToolError('INVALID_OPTION', `--${name} must be between ${min} and ${max}, got ${raw}`, {
      details: { option: name, value: raw },
    });
  return value;
}
