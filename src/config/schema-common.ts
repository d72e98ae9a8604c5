/**
 * Building blocks shared by the sections of the configuration schema: the setting metadata, the format-checked
 * string, bounded integers, paths and the object-rule guard.
 */
import { z } from 'zod';
import type { FormatCheck } from './formats.js';

/** What a setting tells the loader and the doc generator, besides its type and default. */
export type SettingMeta = {
  description: string;
  /** The value is a credential: wrapped in `Secret`, never printed. */
  secret?: boolean;
  /** Only from the environment: writing it in the config file is an error. */
  envOnly?: boolean;
  /** For an env-only secret: the setting that names a file holding it instead. */
  secretFileSetting?: string;
  /** Only in the config file: no environment override. */
  fileOnly?: boolean;
  /** For a default computed from other settings: says from what. */
  defaultText?: string;
  /** What a string holds, for the reference: `GUID`, `path`, `host:port`. */
  format?: string;
};

/** Typed wrapper for `.meta()`, so every setting's metadata has the same checked shape. */
export function setting(meta: SettingMeta): SettingMeta {
  return meta;
}

/** Environment variable prefix; the rest is the setting path in SCREAMING_SNAKE_CASE. */
export const ENV_PREFIX = 'PRESENCE_';

export function formatted(check: FormatCheck): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
}

export function int(min: number, max: number): z.ZodNumber {
  return z.int().min(min).max(max);
}

/**
 * A credential: only from the environment (or from the file its `secretFileSetting` names), never in the config
 * file, wrapped in `Secret` at load and never printed.
 */
export function envOnlySecret(meta: Omit<SettingMeta, 'secret' | 'envOnly'> & { secretFileSetting: string }) {
  return z
    .string()
    .min(1)
    .optional()
    .meta(setting({ ...meta, secret: true, envOnly: true }));
}

export function filePath(): z.ZodString {
  return z.string().min(1);
}

/**
 * Runs an object-level rule even when other fields of the object failed (so every problem is reported in one
 * pass), but not when one of the fields the rule compares failed (that would only repeat the problem).
 */
export function whenValid(...fields: string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  return {
    when: (payload) =>
      typeof payload.value === 'object' &&
      payload.value !== null &&
      !payload.issues.some((issue) => typeof issue.path?.[0] === 'string' && fields.includes(issue.path[0])),
  };
}

/**
 * Like `whenValid`, for rules across sections: skips only when an issue lies at or under one of the given paths
 * (`'*'` matches any list index), so a rule that compares two settings still runs when an unrelated one failed.
 * Never on a list (a root that is not a mapping). The rule must still check the types of what it reads: a
 * section that is not a mapping fails at its own path.
 */
export function whenValidAt(...prefixes: readonly (string | number)[][]): {
  when: (payload: z.core.ParsePayload) => boolean;
} {
  const under = (path: readonly PropertyKey[], prefix: readonly (string | number)[]): boolean =>
    path.length >= prefix.length && prefix.every((segment, i) => (segment === '*' ? true : path[i] === segment));
  return {
    when: (payload) =>
      typeof payload.value === 'object' &&
      payload.value !== null &&
      !Array.isArray(payload.value) &&
      !payload.issues.some((issue) => prefixes.some((prefix) => under(issue.path ?? [], prefix))),
  };
}

export const RELATIVE_PATHS =
  'A relative path resolves against the directory of the config file (or, when set by environment variable, the working directory).';
