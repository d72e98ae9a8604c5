/**
 * Environment overrides: every leaf setting that is not file-only can be set by `PRESENCE_<PATH>` (see
 * `envVarName`); the text is parsed per the setting's type and wins over the file. Empty variables count as unset.
 */
import type { ConfigPath, ConfigProblem } from './problems.js';
import { quote } from './problems.js';
import { settingLeaves, type LeafKind, type SettingLeaf } from './settings.js';

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
