/**
 * Shards: the user ids each one polls, from inline lists and user-id files, with every id checked, lowercased
 * and unique across all shards. Works on the raw (unvalidated) shard list with type guards, so these problems
 * are found in the same pass as the schema's.
 */
import { envOriginOf } from './env-overrides.js';
import { absolutePath, displayPath, readBytes } from './files.js';
import { isGuid, readGuidBytes } from './guid.js';
import { GuidTable } from './guid-table.js';
import { placeOf, problemAt, type ResolveContext } from './issues.js';
import { formatLocation, formatPath, quote, type ConfigPath, type ConfigProblem } from './problems.js';

export interface ShardConfig {
  name: string;
  /** Lowercase GUIDs, in the order written, unique across all shards. */
  userIds: string[];
}

/** Problems listed per user-id file (or inline list) before the rest are only counted. */
export const MAX_PROBLEMS_PER_SOURCE = 25;

const HASH = 35; // '#'
const NEWLINE = 10;

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 11 || code === 12;
}

/** True when `[from, end)` holds only whitespace, optionally followed by a `#` comment. */
function onlyCommentFrom(bytes: Uint8Array, from: number, end: number): boolean {
  let index = from;
  while (index < end && isSpace(bytes[index] ?? 0)) index++;
  return index === end || bytes[index] === HASH;
}

export interface UserIdScanHandlers {
  /** A GUID at bytes `[first, stop)`, parsed into the scan's `words`; `upper` when it has uppercase digits. */
  id(first: number, stop: number, line: number, upper: boolean): void;
  /** Something that is not a GUID at bytes `[first, stop)`. */
  invalid(first: number, stop: number, line: number): void;
}

/**
 * Scans a user-id file: one id per line, `#` starts a comment, whitespace and blank lines are ignored, a UTF-8
 * byte order mark is skipped. Works on the bytes in place (no decoding, no regular expression, no per-line
 * string until an id is accepted). Returns the number of entries (lines with an id or anything else).
 */
export function scanUserIdBytes(bytes: Uint8Array, words: Uint32Array, handlers: UserIdScanHandlers): number {
  const length = bytes.length;
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 0;
  let entries = 0;
  while (start < length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) end = length;
    line++;
    let first = start;
    while (first < end && isSpace(bytes[first] ?? 0)) first++;
    // Fast path, one pass: a GUID followed by nothing but whitespace or a comment.
    const kind = end - first >= 36 ? readGuidBytes(bytes, first, first + 36, words) : 0;
    if (kind !== 0 && onlyCommentFrom(bytes, first + 36, end)) {
      entries++;
      handlers.id(first, first + 36, line, kind === 2);
    } else {
      let stop = first;
      while (stop < end && bytes[stop] !== HASH) stop++;
      while (stop > first && isSpace(bytes[stop - 1] ?? 0)) stop--;
      if (stop > first) {
        entries++;
        handlers.invalid(first, stop, line);
      }
    }
    start = end + 1;
  }
  return entries;
}

/** Where a user id was listed: an inline list item, or a line of a user-id file. */
type Source =
  { shard: number; shardName: string; file: undefined } | { shard: number; shardName: string; file: string };

/** First occurrence of every user id: source number and position (list index or line) in a GUID table. */
class UserIdIndex {
  private readonly firstSeen = new GuidTable(4096);
  private readonly sources: Source[] = [];

  addSource(source: Source): number {
    this.sources.push(source);
    return this.sources.length - 1;
  }

  /** Room for this many more ids (a file's size / 37 bytes per line), to avoid rehashing while scanning. */
  reserve(more: number): void {
    this.firstSeen.reserve(more);
  }

  /** Records the id (parsed into `words`); returns where it was listed before, if it was. */
  add(words: Uint32Array, source: number, position: number): { source: Source; position: number } | undefined {
    const slot = this.firstSeen.putIfAbsent(words, source, position);
    if (slot === -1) return undefined;
    const previousSource = this.sources[this.firstSeen.firstAt(slot)];
    if (previousSource === undefined) throw new Error('user id index: unknown source');
    return { source: previousSource, position: this.firstSeen.secondAt(slot) };
  }
}

function describeOccurrence(context: ResolveContext, source: Source, position: number): string {
  const shard = `shard ${quote(source.shardName)}`;
  if (source.file !== undefined) return `${source.file}:${position} (${shard})`;
  const path: ConfigPath = ['shards', source.shard, 'users', position];
  return `${formatLocation(placeOf(context, path))} ${formatPath(path)} (${shard})`;
}

/** Collects problems for one inline list or file, listing the first few and counting the rest. */
class LimitedProblems {
  private count = 0;
  constructor(
    private readonly context: ResolveContext,
    private readonly sourceName: string,
    private readonly summaryPlace: () => ConfigProblem,
  ) {}

  add(problem: () => ConfigProblem): void {
    this.count++;
    if (this.count <= MAX_PROBLEMS_PER_SOURCE) this.context.problems.push(problem());
  }

  finish(): void {
    const hidden = this.count - MAX_PROBLEMS_PER_SOURCE;
    if (hidden > 0) {
      const summary = this.summaryPlace();
      this.context.problems.push({ ...summary, message: `... and ${hidden} more problems in ${this.sourceName}` });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shardLabel(name: string | undefined, index: number): string {
  return name === undefined ? `shards[${index}]` : quote(name);
}

export function resolveShards(rawShards: unknown, context: ResolveContext): ShardConfig[] {
  if (!Array.isArray(rawShards)) return [];
  const index = new UserIdIndex();
  const names = new Map<string, number>();
  return rawShards.map((raw: unknown, shard) => {
    if (!isRecord(raw)) return { name: '', userIds: [] };
    const name = typeof raw.name === 'string' ? raw.name : undefined;
    if (name !== undefined) checkUniqueName(context, names, name, shard);
    const label = name ?? `shards[${shard}]`;
    const userIds: string[] = [];
    const inline = Array.isArray(raw.users) ? addInline(context, index, raw.users, shard, label, userIds) : undefined;
    const fromFile =
      typeof raw.usersFile === 'string' && raw.usersFile !== ''
        ? addFile(context, index, raw.usersFile, shard, label, userIds)
        : undefined;
    checkNotEmpty(context, shard, name, inline, fromFile);
    return { name: name ?? '', userIds };
  });
}

function checkUniqueName(context: ResolveContext, names: Map<string, number>, name: string, shard: number): void {
  const first = names.get(name);
  if (first === undefined) {
    names.set(name, shard);
    return;
  }
  const firstPath: ConfigPath = ['shards', first, 'name'];
  context.problems.push(
    problemAt(
      context,
      ['shards', shard, 'name'],
      `duplicate shard name ${quote(name)}; also used at ${formatLocation(placeOf(context, firstPath))} ${formatPath(firstPath)}`,
    ),
  );
}

/** Inline ids; invalid ones are the schema's to report. Returns how many entries were listed. */
function addInline(
  context: ResolveContext,
  index: UserIdIndex,
  users: unknown[],
  shard: number,
  shardName: string,
  out: string[],
): number {
  const source = index.addSource({ shard, shardName, file: undefined });
  const listPath: ConfigPath = ['shards', shard, 'users'];
  const limited = new LimitedProblems(context, `${formatPath(listPath)}`, () => problemAt(context, listPath, ''));
  const words = new Uint32Array(4);
  users.forEach((item, position) => {
    // Invalid ids are the schema's to report; isGuid first, so only ASCII reaches the byte parser.
    if (typeof item !== 'string' || !isGuid(item)) return;
    readGuidBytes(Buffer.from(item, 'latin1'), 0, 36, words);
    const id = item.toLowerCase();
    const previous = index.add(words, source, position);
    if (previous === undefined) {
      out.push(id);
      return;
    }
    limited.add(() =>
      problemAt(
        context,
        [...listPath, position],
        `user ${id} is listed twice; also at ${describeOccurrence(context, previous.source, previous.position)}`,
      ),
    );
  });
  limited.finish();
  return users.length;
}

type FileOutcome = { entries: number; display: string } | 'unreadable';

function addFile(
  context: ResolveContext,
  index: UserIdIndex,
  value: string,
  shard: number,
  shardName: string,
  out: string[],
): FileOutcome {
  const settingPath: ConfigPath = ['shards', shard, 'usersFile'];
  const fromEnv = envOriginOf(context.origins, settingPath) !== undefined;
  const display = displayPath(context, value, fromEnv);
  const read = readBytes(absolutePath(context, value, fromEnv));
  if (!read.ok) {
    context.problems.push(problemAt(context, settingPath, `cannot read users file ${display}: ${read.reason}`));
    return 'unreadable';
  }
  const { bytes } = read;
  // One byte per character, so byte offsets index it; ids are ASCII. Messages decode their line as UTF-8.
  const text = bytes.toString('latin1');
  const source = index.addSource({ shard, shardName, file: display });
  index.reserve(Math.ceil(bytes.length / 37));
  const shardText = `shard ${quote(shardName)}`;
  const limited = new LimitedProblems(context, display, () => ({
    file: display,
    path: formatPath(settingPath),
    message: '',
  }));
  const words = new Uint32Array(4);
  const entries = scanUserIdBytes(bytes, words, {
    id(first, stop, line, upper) {
      const previous = index.add(words, source, line);
      const id = upper ? text.slice(first, stop).toLowerCase() : text.slice(first, stop);
      if (previous === undefined) {
        out.push(id);
        return;
      }
      limited.add(() => ({
        file: display,
        line,
        path: formatPath(settingPath),
        message: `user ${id} is listed twice (${shardText}); also at ${describeOccurrence(context, previous.source, previous.position)}`,
      }));
    },
    invalid(first, stop, line) {
      limited.add(() => ({
        file: display,
        line,
        path: formatPath(settingPath),
        message: `${quote(bytes.toString('utf8', first, stop))} is not a GUID (${shardText})`,
      }));
    },
  });
  limited.finish();
  return { entries, display };
}

function checkNotEmpty(
  context: ResolveContext,
  shard: number,
  name: string | undefined,
  inline: number | undefined,
  fromFile: FileOutcome | undefined,
): void {
  if (fromFile === 'unreadable' || (inline ?? 0) > 0 || (fromFile?.entries ?? 0) > 0) return;
  if (inline === undefined && fromFile === undefined) return; // neither given: the schema says so
  const where = fromFile !== undefined ? `${fromFile.display} holds only comments and blank lines` : 'users is empty';
  context.problems.push(
    problemAt(context, ['shards', shard], `shard ${shardLabel(name, shard)} has no users: ${where}`),
  );
}
