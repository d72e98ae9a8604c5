import { ConnectorError, ErrorCodes } from '../errors.js';

/** A path into the configuration, as zod and the YAML tree see it: keys and sequence indexes. */
export type ConfigPath = readonly (string | number)[];

/**
 * One thing wrong with the configuration, and where it is.
 * - In the config file: `file`, `line`, `column` (1-based) and the setting `path` (`shards[1].users[3]`).
 * - In a user-id file: `file` and `line` only (no column); `path` is the shard setting that names the file.
 * - In an environment variable: `envVar` names it; `file` is the config file it overrides; no line.
 * - For a file that cannot be placed more precisely: `file` alone.
 */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  path: string;
  message: string;
  envVar?: string;
}

/** `['shards', 1, 'users', 3]` -> `shards[1].users[3]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** `config.yaml:14:7`, `users-amer.txt:12`, `env PRESENCE_KAFKA_BROKERS` or just the file. */
export function formatLocation(problem: Pick<ConfigProblem, 'file' | 'line' | 'column' | 'envVar'>): string {
  if (problem.envVar !== undefined) return `env ${problem.envVar}`;
  if (problem.line === undefined) return problem.file;
  return problem.column === undefined
    ? `${problem.file}:${problem.line}`
    : `${problem.file}:${problem.line}:${problem.column}`;
}

/**
 * One line per problem: `config.yaml:14:7 shards[1].users[3]: "abc" is not a GUID`.
 * Lines of a user-id file (a line but no column) read `users-amer.txt:12: "xyz" is not a GUID ...`:
 * their message names the shard.
 */
export function formatProblem(problem: ConfigProblem): string {
  const location = formatLocation(problem);
  const lineOfDataFile = problem.envVar === undefined && problem.line !== undefined && problem.column === undefined;
  if (lineOfDataFile || problem.path === '') return `${location}: ${problem.message}`;
  return `${location} ${problem.path}: ${problem.message}`;
}

/**
 * Orders problems for reading: the config file first, by position; then environment variables; then other files
 * in the order they were first reported, each in the order found (line order for user-id files).
 */
export function sortProblems(problems: readonly ConfigProblem[], configFile: string): ConfigProblem[] {
  const fileRank = new Map<string, number>();
  const rankOf = (problem: ConfigProblem): number => {
    if (problem.envVar !== undefined) return 1;
    if (problem.file === configFile) return 0;
    let rank = fileRank.get(problem.file);
    if (rank === undefined) {
      rank = fileRank.size + 2;
      fileRank.set(problem.file, rank);
    }
    return rank;
  };
  const keyed = problems.map((problem, index) => ({ problem, index, rank: rankOf(problem) }));
  keyed.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.rank === 0) {
      const byLine = (a.problem.line ?? 0) - (b.problem.line ?? 0);
      if (byLine !== 0) return byLine;
      const byColumn = (a.problem.column ?? 0) - (b.problem.column ?? 0);
      if (byColumn !== 0) return byColumn;
    }
    return a.index - b.index;
  });
  return keyed.map((entry) => entry.problem);
}

/** The single error thrown for an invalid configuration: every problem, one per line, and structured in details. */
export function configInvalidError(problems: readonly ConfigProblem[], configFile: string): ConnectorError {
  const sorted = sortProblems(problems, configFile);
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
  const lines = sorted.map((problem) => `  ${formatProblem(problem)}`);
  return new ConnectorError(
    ErrorCodes.CONFIG_INVALID,
    [`Invalid configuration ${configFile} (${count}):`, ...lines].join('\n'),
    {
      details: { file: configFile, problems: sorted },
    },
  );
}

/** Describes a value for a message without dumping it: strings quoted and shortened, collections named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (empty)';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** JSON-quotes a string for a message, shortened to keep one problem on one line. */
export function quote(value: string, max = 80): string {
  const shortened = value.length > max ? `${value.slice(0, max)}...` : value;
  return JSON.stringify(shortened);
}
