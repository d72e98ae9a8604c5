/**
 * One discovery round, on the one worker that discovers: reads the directory (the tenant's users delta, resumed
 * from the stored link; each configured group's transitive users, listed in full), works out what changed against
 * the watched directory, and writes the changes to the directory topic a chunk at a time. The watched directory
 * takes a chunk only after Kafka acknowledged it, so it never runs ahead of the topic; the new delta link goes
 * in the last chunk, after the changes it covers. A round cut short leaves the old link: the next round reads
 * the same changes again, and applying a change twice changes nothing.
 */
import type { DirectoryUser, RemovedUser, UsersDeltaPage } from '../directory/index.js';
import { isDirectoryDeltaExpired, isDirectoryGroupNotFound } from '../directory/index.js';
import { IN_TENANT, withAttributes, type WatchRule } from './directory-entry.js';
import type { DirectoryRecord, DirectoryRecordCodec } from './directory-records.js';
import type { WatchedDirectory } from './watched-directory.js';

/** The directory client as a round uses it (GraphDirectoryClient). */
export interface DirectoryReader {
  usersDelta(options: { deltaLink?: string; signal?: AbortSignal }): AsyncIterable<UsersDeltaPage>;
  listGroupUsers(groupId: string, signal?: AbortSignal): AsyncIterable<DirectoryUser[]>;
}

export interface RoundParts {
  directory: WatchedDirectory;
  rule: WatchRule;
  codec: DirectoryRecordCodec;
  reader: DirectoryReader;
  /** Publishes records to the directory topic; resolves once Kafka acknowledged them. */
  write: (records: DirectoryRecord[]) => Promise<void>;
  /** Records per write (one transaction each). */
  chunkSize: number;
  signal?: AbortSignal;
}

export interface RoundReport {
  /** The tenant's users were read in full (first round, or the stored link expired); undefined without tenant. */
  tenantRound?: 'full' | 'incremental';
  /** Why the stored link was not used, when it was not. */
  expiredReason?: string;
  /** Users whose entry changed (and were written). */
  changed: number;
  /** Directory entries read (users delta entries and group listing entries). */
  entriesRead: number;
  /** Configured groups Graph does not have: their members count as gone. */
  missingGroups: string[];
  deltaLink: string | undefined;
}

/**
 * Runs a round from `deltaLink` (the stored one; undefined: a full round). Throws what it cannot handle (a 403
 * names the permission, Kafka down, a bad page): nothing after the last acknowledged chunk was applied.
 */
export async function runDiscoveryRound(parts: RoundParts, deltaLink: string | undefined): Promise<RoundReport> {
  const changes = new ChangeBuffer(parts);
  const report: RoundReport = { changed: 0, entriesRead: 0, missingGroups: [], deltaLink };
  if (parts.rule.hasTenant) await tenantRound(parts, changes, report);
  for (const groupId of parts.rule.groups) await groupRound(parts, changes, report, groupId);
  await changes.flush();
  report.changed = changes.written;
  return report;
}

/**
 * The tenant's users: from the stored link when there is one; a link Graph no longer follows (on the first page,
 * or a 410 on a later one) falls back to a full round, whose reconciliation also covers what the cut-short
 * incremental pages had changed.
 */
async function tenantRound(parts: RoundParts, changes: ChangeBuffer, report: RoundReport): Promise<void> {
  const link = report.deltaLink;
  if (link !== undefined) {
    try {
      await readUsers(parts, changes, report, link);
      return;
    } catch (error) {
      if (!isDirectoryDeltaExpired(error)) throw error;
      report.expiredReason = error.reason;
    }
  }
  await readUsers(parts, changes, report, undefined);
}

async function readUsers(
  parts: RoundParts,
  changes: ChangeBuffer,
  report: RoundReport,
  link: string | undefined,
): Promise<void> {
  report.tenantRound = link === undefined ? 'full' : 'incremental';
  const seen = link === undefined ? new Set<string>() : undefined;
  let nextLink: string | null = null;
  const options = { ...(link === undefined ? {} : { deltaLink: link }), ...signalOf(parts) };
  for await (const page of parts.reader.usersDelta(options)) {
    report.entriesRead += page.upserted.length + page.removed.length;
    for (const user of page.upserted) {
      seen?.add(user.id);
      await changes.put(user.id, withAttributes(changes.entryOf(user.id) | IN_TENANT, user));
    }
    for (const removed of page.removed) await removeFromTenant(changes, removed);
    nextLink = page.deltaLink ?? nextLink;
  }
  // Reconciliation: a user the directory remembers from the tenant but the full round did not return is gone.
  if (seen !== undefined) await clearUnseen(parts, changes, IN_TENANT, seen);
  report.deltaLink = nextLink ?? undefined;
  await changes.flush(parts.codec.deltaLink(report.deltaLink));
}

/**
 * Clears `bit` of every user the directory remembers with it (in the round's view, so a change an earlier source
 * made and not yet written counts) that this round did not see. The candidates are found first: writing a chunk
 * changes the directory, which must not happen while it is iterated.
 */
async function clearUnseen(parts: RoundParts, changes: ChangeBuffer, bit: number, seen: ReadonlySet<string>) {
  const gone: string[] = [];
  for (const userId of parts.directory.userIds()) {
    if ((changes.entryOf(userId) & bit) !== 0 && !seen.has(userId)) gone.push(userId);
  }
  for (const userId of gone) await changes.put(userId, changes.entryOf(userId) & ~bit);
}

async function removeFromTenant(changes: ChangeBuffer, removed: RemovedUser): Promise<void> {
  const entry = changes.entryOf(removed.id);
  if (entry !== 0) await changes.put(removed.id, entry & ~IN_TENANT);
}

/**
 * A group's users, listed in full (Graph's transitive membership follows nested groups, cycles included, which
 * group delta does not). A group Graph does not have has no users: its members are gone, and the report names it.
 */
async function groupRound(
  parts: RoundParts,
  changes: ChangeBuffer,
  report: RoundReport,
  groupId: string,
): Promise<void> {
  const bit = parts.rule.bitOfGroup(groupId) ?? 0;
  const seen = new Set<string>();
  try {
    for await (const page of parts.reader.listGroupUsers(groupId, parts.signal)) {
      report.entriesRead += page.length;
      for (const user of page) {
        seen.add(user.id);
        await changes.put(user.id, withAttributes(changes.entryOf(user.id) | bit, user));
      }
    }
  } catch (error) {
    if (!isDirectoryGroupNotFound(error)) throw error;
    report.missingGroups.push(groupId);
    seen.clear();
  }
  // From the round's view of each user: the directory's entry alone would undo a change an earlier group made
  // and not yet written, e.g. drop a user who moved from this group to an earlier-listed one.
  await clearUnseen(parts, changes, bit, seen);
}

function signalOf(parts: RoundParts): { signal?: AbortSignal } {
  return parts.signal === undefined ? {} : { signal: parts.signal };
}

/**
 * The changes of a round not yet written: the latest entry per user wins (a user may come twice). Written, and
 * then applied to the watched directory, a chunk at a time.
 */
class ChangeBuffer {
  private readonly pending = new Map<string, number>();
  written = 0;

  constructor(private readonly parts: RoundParts) {}

  /** The user's entry as the round knows it: pending, else the watched directory's, else 0. */
  entryOf(userId: string): number {
    return this.pending.get(userId) ?? this.parts.directory.entry(userId) ?? 0;
  }

  async put(userId: string, entry: number): Promise<void> {
    const current = this.parts.directory.entry(userId) ?? 0;
    if (entry === current && !this.pending.has(userId)) return;
    this.pending.set(userId, entry);
    if (this.pending.size >= this.parts.chunkSize) await this.flush();
  }

  /** Writes what is pending (and `last`, after it), then applies it. */
  async flush(last?: DirectoryRecord): Promise<void> {
    if (this.pending.size === 0 && last === undefined) return;
    const entries = [...this.pending];
    this.pending.clear();
    const records = entries.map(([userId, entry]) => this.parts.codec.user(userId, sourcesOrNone(this.parts, entry)));
    if (last !== undefined) records.push(last);
    // A round whose leadership was lost writes nothing more, even when the reader did not notice the abort.
    this.parts.signal?.throwIfAborted();
    await this.parts.write(records);
    for (const [userId, entry] of entries) this.parts.directory.set(userId, sourcesOrNone(this.parts, entry));
    this.written += entries.length;
  }
}

/** An entry no configured source has any more is forgotten: undefined, a tombstone. */
function sourcesOrNone(parts: RoundParts, entry: number): number | undefined {
  return parts.rule.configuredSources(entry) === 0 ? undefined : entry;
}
