/**
 * The help of the CLI: one layout for every command (usage line, what it does, its flags), and the overview that
 * `help` prints. main.ts answers `--help` and `-h` of every command from here, before the command is loaded.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A flag as the help lists it: `--config, -c FILE` and what it does (lines of a longer text joined by `\n`). */
export type FlagHelp = readonly [flag: string, text: string];

export interface CommandHelp {
  /** What follows `presence-connector` on the usage line. */
  synopsis: string;
  /** What the command does, and its exit codes when they say more than "0: done". */
  description: string;
  /** Flag groups, each under its title. */
  sections: readonly { title: string; flags: readonly FlagHelp[] }[];
}

export const BINARY = 'presence-connector';
const HELP_FLAG: FlagHelp = ['--help, -h', 'this help'];
const FLAG_WIDTH = 23;

const RUN: CommandHelp = {
  synopsis: 'run --config FILE [--shards NAME,...]',
  description:
    'Poll Graph presence and publish the changes to Kafka until SIGTERM or SIGINT (Ctrl-C), then stop gracefully:\n' +
    'requests in flight finish and Kafka is flushed. A second signal exits at once. Exit 0 once stopped, 1 when\n' +
    'the worker failed.',
  sections: [
    {
      title: 'Flags',
      flags: [
        ['--config, -c FILE', 'the connector configuration (PRESENCE_* variables override it)'],
        ['--shards NAME,...', 'poll exactly these shards (static assignment) instead of joining the worker group'],
        HELP_FLAG,
      ],
    },
  ],
};

const CHECK_CONFIG: CommandHelp = {
  synopsis: 'check-config --config FILE [--online]',
  description:
    'Validate the configuration and print what it amounts to: shards, users, requests per cycle and whether they\n' +
    "fit Graph's request budget. Contacts nothing unless --online. Exit 0: valid and within the budget; 1: invalid\n" +
    '(every problem is listed) or, with --online, a source that cannot be read; 3: valid, but the shards do not fit\n' +
    'the budget, so cycles would overrun polling.intervalSeconds.',
  sections: [
    {
      title: 'Flags',
      flags: [
        ['--config, -c FILE', 'the connector configuration (PRESENCE_* variables override it, as for run)'],
        [
          '--online',
          'then sign in to Entra ID and resolve the discovery sources against Graph in one full\n' +
            'directory round: users per source and per discovered shard, the presence budget for\n' +
            'them, the directory requests made and the time taken. Polls no presence, writes\n' +
            'nothing to Kafka. Exit 1 when a source cannot be read (a 403 names the permission)\n' +
            'or a group does not exist',
        ],
        HELP_FLAG,
      ],
    },
  ],
};

const TAIL: CommandHelp = {
  synopsis:
    'tail (--topic T | --config FILE) [--brokers HOST:PORT,...] [--from-beginning] [--json]\n' +
    '     [--max N] [--schema-registry URL]',
  description:
    'Print the presence events on a topic, decoded, one line per event, until Ctrl-C (or --max). Reads Kafka\n' +
    '(and the Schema Registry) only: it needs no Graph credential. Exit 0 when stopped, by a signal too.',
  sections: [
    {
      title: 'Flags',
      flags: [
        ['--topic, -t T', 'topic to read (default with --config: kafka.topic)'],
        ['--brokers, -b LIST', 'bootstrap brokers (default with --config: kafka.brokers, else localhost:9092)'],
        ['--config, -c FILE', 'take brokers, topic, TLS, SASL and the registry from a connector configuration'],
        ['--from-beginning', 'every event still on the topic, not only new ones'],
        ['--json', "one JSON object per line: partition, offset and the event's fields"],
        ['--max N', 'stop after N records'],
        [
          '--schema-registry URL',
          'decode Confluent-framed values with writer schemas from this registry (default with\n' +
            '--config: schemaRegistry); plain Avro values need none, and a topic may mix both',
        ],
        HELP_FLAG,
      ],
    },
  ],
};

const SIMULATE: CommandHelp = {
  synopsis: 'simulate [--port N] [--users N] [--write-config DIR] [flags]',
  description:
    'Run the Microsoft Graph presence simulator (Entra ID token endpoint, getPresencesByUserId and the directory)\n' +
    'until SIGTERM or SIGINT (Ctrl-C). It prints its URLs, credentials and CA certificate file at start.',
  sections: [
    {
      title: 'Flags',
      flags: [
        ['--port N', 'listen port (default 0: a free port)'],
        ['--host HOST', 'bind address (default 127.0.0.1)'],
        ['--users N', 'simulated users (default 1000, max 5000000)'],
        ['--churn SHARE', 'share of users changing per minute (default 0.03)'],
        ['--latency-ms SPEC', 'added latency: 50 (fixed), 20-80 (uniform) or 50~10 (normal, mean~stddev)'],
        ['--budget SPEC', 'requests per window per app: 1500 (per 30 s) or 1500/30s'],
        ['--http', 'plain HTTP instead of HTTPS (MSAL then cannot use the authority)'],
        ['--ca-out FILE', 'write the CA certificate (PEM) there (default: a file in the temp directory)'],
        [
          '--write-config DIR',
          'write DIR/connector.yaml (and its users.txt, secret and CA files), ready for\n' +
            '`run` and `tail` against this simulator; the certificate and port are kept for the\n' +
            'next start with the same DIR',
        ],
        ['--brokers LIST', 'with --write-config: the Kafka brokers the config names (default localhost:9092)'],
        ['--seed N', 'seed for ids, population and churn (default 1)'],
        ['--tenant-id GUID', 'the tenant the simulator accepts (default printed at start)'],
        ['--client-id GUID', 'the client id it accepts (default printed at start)'],
        ['--client-secret S', 'the client secret it accepts (default printed at start)'],
        ['--token-lifetime S', 'expires_in of issued tokens (default 3599)'],
        ['--record-served', 'record every served presence per user (memory grows)'],
        [
          '--token-faults SPEC',
          'faults of the token endpoint, NAME=VALUE[,...]: throttleShare=S (429, Retry-After\n' +
            'throttleRetryAfterSeconds, default 60), serverErrorShare=S (500/503/504;\n' +
            'serverErrorStatuses=503/504; serverErrorRetryAfterShare=S with Retry-After\n' +
            'serverErrorRetryAfterSeconds=N), delayMs=N (slow answers), notJsonShare=S,\n' +
            'missingAccessTokenShare=S; S: a share of token requests in [0, 1]',
        ],
        HELP_FLAG,
      ],
    },
    {
      title: 'Directory flags (users/delta, groups/delta, group members)',
      flags: [
        ['--directory-users N', 'users in the directory at start (default: all; the rest is a reserve)'],
        ['--groups N', 'generated groups (default 10)'],
        ['--nesting D', 'depth of group nesting (default 2; 0: no nested groups)'],
        ['--cycles N', 'nestings that close a cycle (default 0)'],
        ['--guests SHARE', 'share of guest users (default 0.05)'],
        ['--disabled SHARE', 'share of disabled accounts (default 0.02)'],
        ['--directory-churn N', 'directory changes per minute (default 0)'],
        ['--directory-budget SPEC', 'resource units per app: 8000 (per 10 s) or 8000/10s (default by tenant size)'],
        ['--page-size N', 'users (groups) per delta page (default 100)'],
        ['--members-per-page N', 'members@delta entries per page (default 500)'],
        ['--delta-link-lifetime S', 'seconds a delta link stays valid (default 604800: 7 days)'],
        ['--missing-permission P', 'the app lacks User.Read.All or GroupMember.Read.All (repeatable)'],
      ],
    },
  ],
};

export const COMMANDS = {
  run: RUN,
  'check-config': CHECK_CONFIG,
  tail: TAIL,
  simulate: SIMULATE,
} as const satisfies Record<string, CommandHelp>;

export type CommandName = keyof typeof COMMANDS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** The overview, in the same layout as a command's help; its "flags" are the commands. */
const OVERVIEW: CommandHelp = {
  synopsis: '<command> [flags]',
  description:
    'Stream Microsoft Teams presence from Microsoft Graph into Apache Kafka. PRESENCE_* environment variables\n' +
    'override the settings of the configuration file (docs/configuration.md lists both).',
  sections: [
    {
      title: 'Commands',
      flags: [
        ['run', 'poll Graph presence and publish the changes to Kafka until stopped'],
        ['check-config', "validate a configuration and check it against Graph's request budget"],
        ['tail', 'print the presence events on a topic, decoded, until Ctrl-C'],
        ['simulate', 'run the Microsoft Graph presence simulator'],
        ['help [COMMAND]', 'this text, or the help of a command (as COMMAND --help does)'],
      ],
    },
    {
      title: 'Flags',
      flags: [
        ['--help, -h', 'this text'],
        ['--version, -v', 'print the version and exit'],
      ],
    },
  ],
};

function formatFlag([flag, text]: FlagHelp): string {
  const [first = '', ...more] = text.split('\n');
  const head = flag.length < FLAG_WIDTH - 1 ? `  ${flag.padEnd(FLAG_WIDTH)}${first}` : `  ${flag}  ${first}`;
  return [head, ...more.map((line) => `${' '.repeat(FLAG_WIDTH + 2)}${line}`)].join('\n');
}

export function formatHelp(help: CommandHelp): string {
  const synopsis = help.synopsis
    .split('\n')
    .map((line, index) => (index === 0 ? `Usage: ${BINARY} ${line}` : `${' '.repeat(BINARY.length + 8)}${line}`));
  const sections = help.sections.map(({ title, flags }) => [`${title}:`, ...flags.map(formatFlag)].join('\n'));
  return [synopsis.join('\n'), help.description, ...sections].join('\n\n');
}

/** The help of a command, or the overview; `presence-connector COMMAND --help` names the command's help. */
export function helpText(command?: CommandName): string {
  if (command === undefined)
    return `${formatHelp(OVERVIEW)}\n\nRun "${BINARY} COMMAND --help" for the flags of a command.`;
  return formatHelp(COMMANDS[command]);
}

const PACKAGE_NAME = 'teams-presence-kafka-connector';

/**
 * The version in the package's package.json, found by walking up from this file: src/cli/ in the repository,
 * dist/src/cli/ in a build, node_modules/<package>/dist/src/cli/ once installed from the tarball. A package.json
 * of another name on the way (a project that vendors the build) is passed over.
 */
export function packageVersion(from: string = import.meta.url): string {
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (;;) {
    const found = versionIn(join(dir, 'package.json'));
    if (found !== undefined) return found;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${PACKAGE_NAME} above ${from}`);
    dir = parent;
  }
}

function versionIn(file: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // none here, or not one npm would read either
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { name, version } = parsed as { name?: unknown; version?: unknown };
  return name === PACKAGE_NAME && typeof version === 'string' ? version : undefined;
}
