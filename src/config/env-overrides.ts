/**
 * Environment overrides: every leaf setting that is not file-only can be set by `PRESENCE_<PATH>` (see
 * `envVarName`); the text is parsed per the setting's type and wins over the file. Empty variables count as unset.
 */
import type { ConfigPath, ConfigProblem } from './problems.js';
import { quote } from './problems.js';
import { ENV_PREFIX } from './schema.js';
import { envVarName, settingLeaves, type LeafKind, type SettingLeaf } from './settings.js';
import { closest, editDistance } from './suggest.js';

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Which paths got their value from which variable: `kafka.brokers` -> `PRESENCE_KAFKA_BROKERS`. */
export type EnvOrigins = ReadonlyMap<string, string>;

export function pathKey(path: ConfigPath): string {
  return path.map(String).join('.');
}

/** The variable a path (or one of its ancestors) was set from, if any. */
export function envOriginOf(origins: EnvOrigins, path: ConfigPath): string | undefined {
  for (let length = path.length; length > 0; length--) {
    const origin = origins.get(pathKey(path.slice(0, length)));
    if (origin !== undefined) return origin;
  }
  return undefined;
}

type Parsed = { value: unknown } | { problem: string };

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);
const INTEGER_PATTERN = /^[+-]?[0-9]+$/;

/** Parses a variable's text as the setting's type; secrets are taken verbatim. */
export function parseEnvValue(text: string, kind: LeafKind, secret: boolean): Parsed {
  if (secret) return { value: text };
  const trimmed = text.trim();
  switch (kind) {
    case 'string':
    case 'enum':
      return { value: trimmed };
    case 'integer':
      return INTEGER_PATTERN.test(trimmed)
        ? { value: Number(trimmed) }
        : { problem: `${quote(trimmed)} is not an integer` };
    case 'number': {
      const value = Number(trimmed);
      return Number.isFinite(value) ? { value } : { problem: `${quote(trimmed)} is not a number` };
    }
    case 'boolean': {
      const word = trimmed.toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: true };
      if (FALSE_WORDS.has(word)) return { value: false };
      return { problem: `${quote(trimmed)} is not a boolean (true/false, 1/0, yes/no, on/off)` };
    }
    case 'string-list':
      return {
        value: trimmed
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `value` at `segments`, creating missing sections; false when a section in the way is not a mapping. */
function setIn(target: Record<string, unknown>, segments: readonly string[], value: unknown): boolean {
  let current = target;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (next === undefined || next === null) {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    } else if (isRecord(next)) {
      current = next;
    } else {
      return false;
    }
  }
  const last = segments[segments.length - 1];
  if (last === undefined) return false;
  current[last] = value;
  return true;
}

export interface EnvOverrideResult {
  origins: EnvOrigins;
  problems: ConfigProblem[];
}

/** Applies every set `PRESENCE_*` variable of a known setting onto `target` (mutated). */
export function applyEnvOverrides(
  target: Record<string, unknown>,
  env: EnvSource,
  configFile: string,
): EnvOverrideResult {
  const origins = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const leaf of settingLeaves()) {
    const applied = applyOne(target, env, leaf);
    if (applied === undefined) continue;
    if ('problem' in applied) {
      problems.push({ file: configFile, path: leaf.path, envVar: applied.envVar, message: applied.problem });
    } else {
      origins.set(pathKey(leaf.segments), applied.envVar);
    }
  }
  return { origins, problems };
}

function applyOne(
  target: Record<string, unknown>,
  env: EnvSource,
  leaf: SettingLeaf,
): { envVar: string } | { envVar: string; problem: string } | undefined {
  if (leaf.envVar === null) return undefined;
  const text = env[leaf.envVar];
  if (text === undefined || text.trim() === '') return undefined;
  const parsed = parseEnvValue(text, leaf.kind, leaf.meta.secret === true);
  if ('problem' in parsed) return { envVar: leaf.envVar, problem: parsed.problem };
  // A section in the way that is not a mapping is reported by validation at its place in the file.
  return setIn(target, leaf.segments, parsed.value) ? { envVar: leaf.envVar } : undefined;
}

/** A warning about the configuration that does not stop it from loading; formatted like a problem. */
export type ConfigWarning = ConfigProblem;

/**
 * `PRESENCE_*` variables that name no setting, so nothing reads them: a misspelt name would otherwise be ignored
 * without a word, while a misspelt key in the file gets "did you mean". Every variable the connector reads is a
 * setting's (the secrets and their `..._FILE` twins included), so any other one is a mistake. Empty ones are
 * skipped, as empty variables count as unset anyway. The prefix is matched in any case: `presence_kafka_brokers`
 * is a variable nobody reads too.
 */
export function unknownEnvWarnings(env: EnvSource, configFile: string): ConfigWarning[] {
  const { known, fileOnly } = envNames();
  const candidates = [...known];
  const warnings: ConfigWarning[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === '' || known.has(name)) continue;
    if (!name.toUpperCase().startsWith(ENV_PREFIX)) continue;
    warnings.push({ file: configFile, path: '', envVar: name, message: unknownMessage(name, candidates, fileOnly) });
  }
  return warnings.sort((a, b) => ((a.envVar ?? '') < (b.envVar ?? '') ? -1 : 1));
}

function unknownMessage(name: string, known: readonly string[], fileOnly: ReadonlyMap<string, string>): string {
  const fileSetting = fileOnly.get(name.toUpperCase());
  if (fileSetting !== undefined) return `ignored: ${fileSetting} is set in the config file only`;
  const near = nearestName(
    name.slice(ENV_PREFIX.length),
    known.map((candidate) => candidate.slice(ENV_PREFIX.length)),
  );
  return near === undefined
    ? 'unknown variable, ignored: no setting has this name (docs/configuration.md lists them)'
    : `unknown variable, ignored; did you mean ${ENV_PREFIX}${near}?`;
}

/**
 * Compared without the prefix, which every candidate shares, so the distance allowed grows with the part that
 * differs. The nearest by edit distance first (`TENANT_CLIENT_SECRET_FILES` is `..._FILE`, not the secret itself),
 * then a shortened or lengthened name (`KAFKA_TLS` for `KAFKA_TLS_ENABLED`).
 */
function nearestName(input: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(input.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best ?? closest(input, candidates);
}

let cachedNames: { known: ReadonlySet<string>; fileOnly: ReadonlyMap<string, string> } | undefined;

/**
 * The variables of the settings, and the names a file-only setting would have (`PRESENCE_SHARDS`,
 * `PRESENCE_SHARDS_NAME`), to say so instead of guessing at a near name.
 */
function envNames(): { known: ReadonlySet<string>; fileOnly: ReadonlyMap<string, string> } {
  cachedNames ??= (() => {
    const known = new Set<string>();
    const fileOnly = new Map<string, string>();
    for (const leaf of settingLeaves()) {
      if (leaf.envVar !== null) {
        known.add(leaf.envVar);
        continue;
      }
      const listAt = leaf.segments.indexOf('[]');
      const section = listAt < 0 ? leaf.segments : leaf.segments.slice(0, listAt);
      if (!fileOnly.has(envVarName(section))) fileOnly.set(envVarName(section), section.join('.'));
      fileOnly.set(envVarName(leaf.segments.filter((segment) => segment !== '[]')), leaf.path);
    }
    return { known, fileOnly };
  })();
  return cachedNames;
}
