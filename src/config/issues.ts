/**
 * Turns zod issues into `ConfigProblem`s: a message written for whoever edits the file, and the place the
 * setting came from (file:line:column through the YAML tree, or the environment variable that set it).
 */
import type { z } from 'zod';
import { envOriginOf, type EnvOrigins } from './env-overrides.js';
import type { PathBase } from './files.js';
import { describeValue, formatLocation, formatPath, quote, type ConfigPath, type ConfigProblem } from './problems.js';
import { objectKeysAt, settingLeaves } from './settings.js';
import { closest } from './suggest.js';
import type { Position } from './yaml-source.js';

export interface PlaceContext {
  configFile: string;
  origins: EnvOrigins;
  locate(path: ConfigPath, target?: 'key' | 'value'): Position | undefined;
}

/** What the resolvers (files, secrets, shards) need: where things are, where paths are relative to, and a problem list. */
export interface ResolveContext extends PlaceContext, PathBase {
  problems: ConfigProblem[];
}

export type Place = Pick<ConfigProblem, 'file' | 'line' | 'column' | 'envVar'>;

/** Where the value at `path` came from: the variable that set it, or its place in the config file. */
export function placeOf(context: PlaceContext, path: ConfigPath, target: 'key' | 'value' = 'value'): Place {
  const envVar = envOriginOf(context.origins, path);
  if (envVar !== undefined) return { file: context.configFile, envVar };
  const position = context.locate(path, target);
  return position === undefined
    ? { file: context.configFile }
    : { file: context.configFile, line: position.line, column: position.column };
}

export function problemAt(
  context: PlaceContext,
  path: ConfigPath,
  message: string,
  target: 'key' | 'value' = 'value',
): ConfigProblem {
  return { ...placeOf(context, path, target), path: formatPath(path), message };
}

function toConfigPath(path: readonly PropertyKey[]): ConfigPath {
  return path.filter((segment): segment is string | number => typeof segment !== 'symbol');
}

/** Secrets never appear in a message, not even a wrong one. */
function isSecretPath(path: ConfigPath): boolean {
  const names = path.filter((segment): segment is string => typeof segment === 'string');
  return settingLeaves().some(
    (leaf) => leaf.meta.secret === true && leaf.segments.every((segment, i) => segment === names[i]),
  );
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function typeMessage(expected: string, input: unknown, secret: boolean): string {
  if (input === undefined) return 'is required';
  const wanted = TYPE_NAMES[expected] ?? expected;
  if (input === null) return `has no value (expected ${wanted})`;
  return secret ? `expected ${wanted}` : `expected ${wanted}, got ${describeValue(input)}`;
}

function sizeMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall, secret: boolean): string {
  const got = secret || typeof issue.input !== 'number' ? '' : ` (got ${issue.input})`;
  if (issue.code === 'too_small') {
    const minimum = Number(issue.minimum);
    if (issue.origin === 'array' || issue.origin === 'set')
      return minimum <= 1 ? 'must not be empty' : `needs at least ${minimum} items`;
    if (issue.origin === 'string') return minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters`;
    return `must be at least ${minimum}${got}`;
  }
  const maximum = Number(issue.maximum);
  if (issue.origin === 'array' || issue.origin === 'set') return `must have at most ${maximum} items`;
  if (issue.origin === 'string') return `must be at most ${maximum} characters`;
  return `must be at most ${maximum}${got}`;
}

function enumMessage(issue: z.core.$ZodIssueInvalidValue, secret: boolean): string {
  const values = issue.values.map(String);
  const list = values.join(', ');
  if (secret || issue.input === undefined) return `must be one of: ${list}`;
  const suggestion = typeof issue.input === 'string' ? closest(issue.input, values) : undefined;
  const hint = suggestion === undefined ? '' : `; did you mean ${quote(suggestion)}?`;
  return `${describeValue(issue.input)} is not one of: ${list}${hint}`;
}

/** Every settable path, by its last key, to point a key written in the wrong section at the right one. */
function knownPathsByKey(): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const leaf of settingLeaves()) {
    for (let length = 1; length <= leaf.segments.length; length++) {
      const segments = leaf.segments.slice(0, length);
      const key = segments[segments.length - 1] ?? '';
      if (key === '[]') continue;
      const display = segments.join('.').replaceAll('.[]', '[]');
      const known = byKey.get(key.toLowerCase()) ?? [];
      if (!known.includes(display)) known.push(display);
      byKey.set(key.toLowerCase(), known);
    }
  }
  return byKey;
}

export function unknownKeyMessage(objectPath: ConfigPath, key: string): string {
  const siblings = objectKeysAt(objectPath) ?? [];
  const near = closest(key, siblings);
  if (near !== undefined) return `unknown setting ${quote(key)}; did you mean ${quote(near)}?`;
  const elsewhere = knownPathsByKey().get(key.toLowerCase());
  if (elsewhere !== undefined && elsewhere.length > 0) {
    return `unknown setting ${quote(key)} here; did you mean ${elsewhere.join(' or ')}?`;
  }
  const known = siblings.length > 0 ? ` (known here: ${siblings.join(', ')})` : '';
  return `unknown setting ${quote(key)}${known}`;
}

/**
 * A rule that finds something written twice (schema-discovery.ts) names the first place in `params.alsoAt`, an
 * absolute setting path: the message then says where it is, as the shard-name check does.
 */
function alsoAtSuffix(issue: z.core.$ZodIssue, context: PlaceContext): string {
  if (issue.code !== 'custom') return '';
  const alsoAt: unknown = issue.params?.alsoAt;
  if (!Array.isArray(alsoAt)) return '';
  const path = alsoAt.filter(
    (segment): segment is string | number => typeof segment === 'string' || typeof segment === 'number',
  );
  return `; also at ${formatLocation(placeOf(context, path))} ${formatPath(path)}`;
}

/** One problem per issue, except one per key for unknown keys. */
export function issueToProblems(issue: z.core.$ZodIssue, context: PlaceContext): ConfigProblem[] {
  const path = toConfigPath(issue.path);
  const secret = isSecretPath(path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => problemAt(context, [...path, key], unknownKeyMessage(path, key), 'key'));
    case 'invalid_type':
      return [problemAt(context, path, typeMessage(issue.expected, issue.input, secret))];
    case 'too_big':
    case 'too_small':
      return [problemAt(context, path, sizeMessage(issue, secret))];
    case 'invalid_value':
      return [problemAt(context, path, enumMessage(issue, secret))];
    default:
      return [problemAt(context, path, `${issue.message}${alsoAtSuffix(issue, context)}`)];
  }
}
