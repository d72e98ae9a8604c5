import avro from 'avsc';
import { ConnectorError, ErrorCodes } from '../errors.js';

/**
 * Registries answer a compatibility check with a bare boolean (Apicurio returns no messages even with
 * ?verbose=true), which tells an operator nothing. This module finds the field that breaks it, locally: avsc's
 * resolver decides whether a reader schema can read a writer schema's data (the Avro resolution rules the
 * registry applies), and a walk over both schemas names the first place where it cannot.
 */

/** Which schema reads which: the registry level decides, per pair of versions. */
type Direction = 'backward' | 'forward';

const CONSEQUENCE: Record<Direction, string> = {
  backward: 'a reader with the new schema cannot read data written with the previous one',
  forward: 'a reader with the previous schema cannot read data written with the new one',
};

/**
 * Why `nextSchemaText` breaks `level` against `previousSchemaText`, or undefined when avsc finds them compatible
 * (or the level checks nothing). BACKWARD: the new schema reads old data; FORWARD: the old schema reads new data;
 * FULL: both. A *_TRANSITIVE level is checked like its plain level: the caller passes each version it covers.
 */
export function explainIncompatibility(
  level: string,
  previousSchemaText: string,
  nextSchemaText: string,
): string | undefined {
  const base = level
    .trim()
    .toUpperCase()
    .replace(/_TRANSITIVE$/, '');
  if (base !== 'BACKWARD' && base !== 'FORWARD' && base !== 'FULL') return undefined;
  const previous = parseSchema(previousSchemaText, 'previous');
  const next = parseSchema(nextSchemaText, 'new');
  const backward = base === 'FORWARD' ? undefined : explain(next, previous, 'backward');
  return backward ?? (base === 'BACKWARD' ? undefined : explain(previous, next, 'forward'));
}

function parseSchema(text: string, which: string): avro.Type {
  try {
    return avro.Type.forSchema(JSON.parse(text) as avro.Schema);
  } catch (error) {
    throw new ConnectorError(ErrorCodes.SCHEMA_INVALID, `the ${which} schema is not a valid Avro schema`, {
      cause: error,
    });
  }
}

function explain(reader: avro.Type, writer: avro.Type, direction: Direction): string | undefined {
  const failure = resolutionFailure(reader, writer);
  if (failure === undefined) return undefined;
  // The walk below mirrors the resolution rules; should it miss a case, avsc's own reason is still a reason.
  const problem = findBreak(reader, writer, '', direction) ?? `avsc cannot resolve them (${failure.message})`;
  return `${problem}, so ${CONSEQUENCE[direction]}`;
}

/** avsc reports an unreadable pair by throwing; here that is the answer, not a failure, so it becomes a value. */
function resolutionFailure(reader: avro.Type, writer: avro.Type): Error | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function canRead(reader: avro.Type, writer: avro.Type): boolean {
  return resolutionFailure(reader, writer) === undefined;
}

/** The first place where `reader` cannot read `writer`'s data, as a phrase; called only for an unreadable pair. */
function findBreak(reader: avro.Type, writer: avro.Type, path: string, direction: Direction): string | undefined {
  const readerType = unwrapLogical(reader);
  const writerType = unwrapLogical(writer);
  if (isKind(readerType, 'record', 'error') && isKind(writerType, 'record', 'error')) {
    return recordBreak(readerType as avro.types.RecordType, writerType as avro.types.RecordType, path, direction);
  }
  if (isKind(readerType, 'enum') && isKind(writerType, 'enum')) {
    return enumBreak(readerType as avro.types.EnumType, writerType as avro.types.EnumType, path, direction);
  }
  if (isKind(readerType, 'array') && isKind(writerType, 'array')) {
    const items = (type: avro.Type): avro.Type => (type as avro.types.ArrayType).itemsType;
    return nested(items(readerType), items(writerType), `${path}[]`, direction);
  }
  if (isKind(readerType, 'map') && isKind(writerType, 'map')) {
    const values = (type: avro.Type): avro.Type => (type as avro.types.MapType).valuesType as avro.Type;
    return nested(values(readerType), values(writerType), `${path}{}`, direction);
  }
  if (isKind(readerType, 'union') || isKind(writerType, 'union')) {
    const inner = unionBreak(readerType, writerType, path, direction);
    if (inner !== undefined) return inner;
  }
  return typeChange(reader, writer, path, direction);
}

function nested(reader: avro.Type, writer: avro.Type, path: string, direction: Direction): string | undefined {
  return canRead(reader, writer) ? undefined : findBreak(reader, writer, path, direction);
}

function recordBreak(
  reader: avro.types.RecordType,
  writer: avro.types.RecordType,
  path: string,
  direction: Direction,
): string | undefined {
  if (!nameMatches(reader, writer)) {
    const [previous, next] = direction === 'backward' ? [writer, reader] : [reader, writer];
    const where = path === '' ? '' : `${label(path)}: `;
    return `${where}record ${previous.name ?? '?'} was renamed to ${next.name ?? '?'} without an alias`;
  }
  const writerFields = new Map(writer.fields.map((field) => [field.name, field]));
  for (const field of reader.fields) {
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    const match = [field.name, ...(field.aliases ?? [])].map((name) => writerFields.get(name)).find(Boolean);
    if (match === undefined) {
      if (field.defaultValue() !== undefined) continue;
      const what =
        direction === 'backward'
          ? 'was added without a default'
          : 'was removed, and the previous schema gives it no default';
      return `${label(fieldPath)} (${describe(field.type)}) ${what}`;
    }
    const inner = nested(field.type, match.type, fieldPath, direction);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function enumBreak(
  reader: avro.types.EnumType,
  writer: avro.types.EnumType,
  path: string,
  direction: Direction,
): string | undefined {
  if (!nameMatches(reader, writer)) return typeChange(reader, writer, path, direction);
  const unknown = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
  // avsc keeps the enum default on the type (type.schema() drops it); the typings do not declare it.
  const fallback: unknown = Reflect.get(reader, 'default');
  if (unknown.length === 0 || fallback !== undefined) return undefined;
  const where = `${label(path)}: enum ${reader.name ?? '?'}`;
  return direction === 'backward'
    ? `${where} dropped symbol(s) ${unknown.join(', ')} and has no default`
    : `${where} gained symbol(s) ${unknown.join(', ')}, and the previous schema's enum has no default for them`;
}

/** Descends into the branch that carries the problem, so a change inside ["null", Record] names the inner field. */
function unionBreak(reader: avro.Type, writer: avro.Type, path: string, direction: Direction): string | undefined {
  const writerBranches = isKind(writer, 'union') ? branches(writer) : [writer];
  const readerBranches = isKind(reader, 'union') ? branches(reader) : [reader];
  for (const writerBranch of writerBranches) {
    if (canRead(reader, writerBranch)) continue;
    const counterpart = readerBranches.find((branch) => sameKind(branch, writerBranch));
    if (counterpart === undefined) return undefined;
    return nested(counterpart, writerBranch, path, direction);
  }
  return undefined;
}

function typeChange(reader: avro.Type, writer: avro.Type, path: string, direction: Direction): string {
  const [previous, next] = direction === 'backward' ? [writer, reader] : [reader, writer];
  return `${label(path)} changed type from ${describe(previous)} to ${describe(next)}`;
}

function label(path: string): string {
  return path === '' ? 'the top-level type' : `field "${path}"`;
}

/** A short, readable type: string, StatusMessage, [null, string], array<string>. */
function describe(type: avro.Type): string {
  const unwrapped = unwrapLogical(type);
  if (isKind(unwrapped, 'union')) return `[${branches(unwrapped).map(describe).join(', ')}]`;
  if (isKind(unwrapped, 'array')) return `array<${describe((unwrapped as avro.types.ArrayType).itemsType)}>`;
  if (isKind(unwrapped, 'map')) return `map<${describe((unwrapped as avro.types.MapType).valuesType as avro.Type)}>`;
  const name = unwrapped.name;
  return name === undefined ? unwrapped.typeName : (name.split('.').pop() ?? name);
}

function branches(union: avro.Type): avro.Type[] {
  return (union as avro.types.WrappedUnionType).types;
}

function unwrapLogical(type: avro.Type): avro.Type {
  return isKind(type, 'logical') ? (type as avro.types.LogicalType).underlyingType : type;
}

function isKind(type: avro.Type, ...kinds: string[]): boolean {
  return avro.Type.isType(type, ...kinds);
}

/** Same named type (by name or alias), or same unnamed kind: the branch a writer's value would resolve to. */
function sameKind(a: avro.Type, b: avro.Type): boolean {
  const left = unwrapLogical(a);
  const right = unwrapLogical(b);
  if (left.name !== undefined || right.name !== undefined) return nameMatches(left, right);
  return left.typeName === right.typeName;
}

/** Avro matches named types by full name, or by an alias of the reader. */
function nameMatches(reader: avro.Type, writer: avro.Type): boolean {
  if (writer.name === undefined) return true;
  return reader.name === writer.name || (reader.aliases ?? []).includes(writer.name);
}
