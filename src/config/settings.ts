/**
 * Reads the schema as data: the leaf settings with their types, defaults, metadata and environment variable
 * names. The environment overrides, the unknown-key suggestions and `describeSettings()` (the configuration
 * reference) all come from here, so they cannot drift from the schema.
 */
import { z } from 'zod';
import type { ConfigPath } from './problems.js';
import { configSchema, ENV_PREFIX, type SettingMeta } from './schema.js';

type AnySchema = z.core.$ZodType;

/** How an environment variable's text is turned into the setting's value. */
export type LeafKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'string-list';

/** A default value as a doc generator can print it. */
export type SettingValue = string | number | boolean | readonly string[];

export interface SettingLeaf {
  /** Path segments; `'[]'` stands for "every item" of a list of objects (`shards[].name`). */
  segments: readonly string[];
  /** `graph.requestBudget.maxRequests`, `shards[].name`. */
  path: string;
  kind: LeafKind;
  /** Human-readable type: `integer 1..650`, `global | usgov | ...`. */
  type: string;
  enumValues?: readonly string[];
  required: boolean;
  /** Required once its section is given, though the section itself is optional (`kafka.sasl.mechanism`). */
  requiredInSection: boolean;
  default: SettingValue | undefined;
  meta: SettingMeta;
  /** `PRESENCE_...`, or null for file-only settings. */
  envVar: string | null;
}

/** One entry of the configuration reference. */
export interface SettingDoc {
  path: string;
  type: string;
  /** The default, when a fixed one exists. */
  default: SettingValue | undefined;
  /** For a default computed from other settings: from what. */
  defaultText?: string;
  required: boolean;
  /** Environment variable overriding the setting, or null when file-only. */
  env: string | null;
  description: string;
  secret?: boolean;
  /** Environment only: must not be written in the config file. */
  envOnly?: boolean;
  /** Set (true) when the setting must be given whenever its optional section is. */
  requiredInSection?: boolean;
}

/** `requestTimeoutMs` -> `REQUEST_TIMEOUT_MS`, `thumbprintSha256` -> `THUMBPRINT_SHA256`. */
export function screamingSnake(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** The environment variable of a setting: `PRESENCE_` + each path segment in SCREAMING_SNAKE_CASE, joined by `_`. */
export function envVarName(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map(screamingSnake).join('_');
}

function metaOf(schema: AnySchema): Partial<SettingMeta> {
  const raw = z.globalRegistry.get(schema);
  if (raw === undefined) return {};
  const meta: Partial<SettingMeta> = {};
  if (typeof raw.description === 'string') meta.description = raw.description;
  for (const flag of ['secret', 'envOnly', 'fileOnly'] as const) {
    if (raw[flag] === true) meta[flag] = true;
  }
  if (typeof raw.secretFileSetting === 'string') meta.secretFileSetting = raw.secretFileSetting;
  if (typeof raw.defaultText === 'string') meta.defaultText = raw.defaultText;
  if (typeof raw.format === 'string') meta.format = raw.format;
  return meta;
}

interface Unwrapped {
  core: AnySchema;
  optional: boolean;
  defaultValue: unknown;
  meta: Partial<SettingMeta>;
}

/** Peels optional/default/prefault wrappers, merging their metadata (the outermost wins). */
function unwrap(schema: AnySchema): Unwrapped {
  let current = schema;
  let optional = false;
  let defaultValue: unknown;
  const meta: Partial<SettingMeta> = {};
  for (;;) {
    const own = metaOf(current);
    for (const [key, value] of Object.entries(own)) {
      if (!(key in meta)) Object.assign(meta, { [key]: value });
    }
    if (current instanceof z.ZodOptional) {
      optional = true;
      current = current.unwrap();
    } else if (current instanceof z.ZodDefault) {
      optional = true;
      defaultValue = current.def.defaultValue;
      current = current.unwrap();
    } else if (current instanceof z.ZodPrefault) {
      optional = true;
      current = current.unwrap();
    } else {
      return { core: current, optional, defaultValue, meta };
    }
  }
}

function isSettingValue(value: unknown): value is SettingValue {
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function leafKind(core: AnySchema): { kind: LeafKind; type: string; enumValues?: readonly string[] } | undefined {
  if (core instanceof z.ZodString) return { kind: 'string', type: 'string' };
  if (core instanceof z.ZodBoolean) return { kind: 'boolean', type: 'boolean' };
  if (core instanceof z.ZodNumber) {
    const range = core.minValue !== null && core.maxValue !== null ? ` ${core.minValue}..${core.maxValue}` : '';
    return core.isInt ? { kind: 'integer', type: `integer${range}` } : { kind: 'number', type: `number${range}` };
  }
  if (core instanceof z.ZodEnum) {
    const values = core.options.map(String);
    return { kind: 'enum', type: values.join(' | '), enumValues: values };
  }
  if (core instanceof z.ZodArray) {
    const element = unwrap(core.element).core;
    if (element instanceof z.ZodString) return { kind: 'string-list', type: 'list of strings' };
  }
  return undefined;
}

function displayPath(segments: readonly string[]): string {
  return segments.reduce(
    (out, segment) => (segment === '[]' ? `${out}[]` : out === '' ? segment : `${out}.${segment}`),
    '',
  );
}

function collectLeaves(
  schema: AnySchema,
  segments: string[],
  required: boolean,
  fileOnly: boolean,
  out: SettingLeaf[],
): void {
  const { core, optional, defaultValue, meta } = unwrap(schema);
  const isRequired = required && !optional;
  const inFileOnly = fileOnly || meta.fileOnly === true;
  if (core instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(core.shape)) {
      collectLeaves(child, [...segments, key], isRequired, inFileOnly, out);
    }
    return;
  }
  if (core instanceof z.ZodArray && unwrap(core.element).core instanceof z.ZodObject) {
    collectLeaves(core.element, [...segments, '[]'], isRequired, true, out);
    return;
  }
  const kind = leafKind(core);
  if (kind === undefined) throw new Error(`config schema: no leaf kind for ${displayPath(segments)}`);
  out.push({
    segments,
    path: displayPath(segments),
    ...kind,
    type: meta.format === undefined ? kind.type : `${kind.type} (${meta.format})`,
    required: isRequired,
    requiredInSection: !isRequired && !optional,
    default: isSettingValue(defaultValue) ? defaultValue : undefined,
    meta: { ...meta, description: meta.description ?? '' },
    envVar: inFileOnly ? null : envVarName(segments),
  });
}

let cachedLeaves: readonly SettingLeaf[] | undefined;

/** Every leaf setting of the schema, in schema order. */
export function settingLeaves(): readonly SettingLeaf[] {
  cachedLeaves ??= (() => {
    const out: SettingLeaf[] = [];
    collectLeaves(configSchema, [], true, false, out);
    return out;
  })();
  return cachedLeaves;
}

/** The configuration reference: one entry per leaf setting. */
export function describeSettings(): SettingDoc[] {
  return settingLeaves().map((leaf) => {
    const doc: SettingDoc = {
      path: leaf.path,
      type: leaf.type,
      default: leaf.default,
      required: leaf.required,
      env: leaf.envVar,
      description: leaf.meta.description,
    };
    if (leaf.meta.defaultText !== undefined) doc.defaultText = leaf.meta.defaultText;
    if (leaf.meta.secret === true) doc.secret = true;
    if (leaf.meta.envOnly === true) doc.envOnly = true;
    if (leaf.requiredInSection) doc.requiredInSection = true;
    return doc;
  });
}

/** The object schema at a path (list indexes step into the list's items), for listing its known keys. */
export function objectKeysAt(path: ConfigPath): readonly string[] | undefined {
  let current: AnySchema = configSchema;
  for (const segment of path) {
    const { core } = unwrap(current);
    if (typeof segment === 'number') {
      if (!(core instanceof z.ZodArray)) return undefined;
      current = core.element;
    } else {
      if (!(core instanceof z.ZodObject)) return undefined;
      const child: AnySchema | undefined = core.shape[segment];
      if (child === undefined) return undefined;
      current = child;
    }
  }
  const { core } = unwrap(current);
  return core instanceof z.ZodObject ? Object.keys(core.shape) : undefined;
}

/** The leaf with this path (list indexes match `[]`), if any. */
export function leafAt(path: ConfigPath): SettingLeaf | undefined {
  const segments = path.map((segment) => (typeof segment === 'number' ? '[]' : segment));
  return settingLeaves().find(
    (leaf) => leaf.segments.length === segments.length && leaf.segments.every((segment, i) => segment === segments[i]),
  );
}

/** One section (an object of settings) of the configuration reference. */
export interface SectionDoc {
  /** `graph`, `graph.requestBudget`, `shards[]`; '' for the root. */
  path: string;
  description: string;
  /** The section may be left out entirely. */
  optional: boolean;
}

function collectSections(schema: AnySchema, segments: string[], out: SectionDoc[]): void {
  const { core, optional, meta } = unwrap(schema);
  // A list of objects is documented as one section, `shards[]`, described by the list's own metadata.
  const listItem = core instanceof z.ZodArray ? unwrap(core.element).core : undefined;
  const section = listItem ?? core;
  if (!(section instanceof z.ZodObject)) return;
  const path = listItem === undefined ? segments : [...segments, '[]'];
  out.push({ path: displayPath(path), description: meta.description ?? '', optional });
  for (const [key, child] of Object.entries(section.shape)) collectSections(child, [...path, key], out);
}

/** Every section of the schema, in schema order, for headings in the configuration reference. */
export function describeSections(): SectionDoc[] {
  const out: SectionDoc[] = [];
  collectSections(configSchema, [], out);
  return out;
}
