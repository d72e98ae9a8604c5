/**
 * Parsing the config file (YAML, hence JSON too) into plain data plus a way back from a setting path to the
 * line and column it was written at. No validation here beyond YAML syntax.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigPath, ConfigProblem } from './problems.js';

export interface Position {
  line: number;
  column: number;
}

export interface ParsedConfigFile {
  /** The document as plain data (undefined for an empty file). */
  value: unknown;
  /**
   * Where a path is written: its value (or, with `'key'`, its key). A path that is not in the file points at
   * the key of the deepest section on it that is (a missing `tenant.clientId` at `tenant:`); undefined when
   * even its top-level section is missing.
   */
  locate(path: ConfigPath, target?: 'key' | 'value'): Position | undefined;
}

export type ParseResult = { ok: true; file: ParsedConfigFile } | { ok: false; problems: ConfigProblem[] };

/** Bounds alias expansion ("billion laughs"). */
const MAX_ALIAS_COUNT = 1000;

export function parseConfigText(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        file,
        ...position(error.pos[0]),
        path: '',
        message: `YAML syntax: ${firstLine(error.message)}`,
      })),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return {
      ok: false,
      problems: [{ file, path: '', message: `YAML: ${error instanceof Error ? error.message : String(error)}` }],
    };
  }
  return {
    ok: true,
    file: { value: value ?? undefined, locate: (path, target = 'value') => locate(doc, path, target, position) },
  };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyMatches(key: unknown, segment: string | number): boolean {
  const value = isScalar(key) ? key.value : key;
  return String(value) === String(segment);
}

function startOf(node: unknown, position: (offset: number) => Position): Position | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as Node).range;
  return range === undefined || range === null ? undefined : position(range[0]);
}

function locate(
  doc: Document,
  path: ConfigPath,
  target: 'key' | 'value',
  position: (offset: number) => Position,
): Position | undefined {
  let node: unknown = resolveAlias(doc, doc.contents);
  // Where the current node was introduced: its key, or its list item. A missing child points here.
  let anchor: Position | undefined;
  let keyPosition: Position | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyMatches(item.key, segment));
      if (pair === undefined) return anchor;
      keyPosition = startOf(pair.key, position);
      node = resolveAlias(doc, pair.value);
      anchor = keyPosition ?? anchor;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = resolveAlias(doc, node.items[segment]);
      keyPosition = undefined;
      anchor = startOf(node, position) ?? anchor;
    } else {
      return anchor;
    }
  }
  // `key:` with nothing after it (an empty null scalar, or no node at all): point at the key.
  const empty = node === null || node === undefined || (isScalar(node) && node.value === null);
  const valuePosition = empty ? undefined : startOf(node, position);
  return target === 'key' ? (keyPosition ?? valuePosition ?? anchor) : (valuePosition ?? keyPosition ?? anchor);
}
