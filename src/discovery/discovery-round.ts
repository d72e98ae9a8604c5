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

async function tenantRound(parts: RoundParts, changes: ChangeBuffer, report: RoundReport): Promise<void> {
  let link = report.deltaLink;
  let pages: AsyncIterator<UsersDeltaPage>;
  let first: IteratorResult<UsersDeltaPage>;
  try {
    pages = pagesOf(parts, link);
    first = await pages.next();
  } catch (error) {
    // An expired link fails before any page: nothing was applied from it.
    if (link === undefined || !isDirectoryDeltaExpired(error)) throw error;
    report.expiredReason = error.reason;
    link = undefined;
    pages = pagesOf(parts, undefined);
    first = await pages.next();
  }
  const full = link === undefined;
  report.tenantRound = full ? 'full' : 'incremental';
  const seen = full ? new Set<string>() : undefined;
  let nextLink: string | null = null;
  for (let page = first; page.done !== true; page = await pages.next()) {
    report.entriesRead += page.value.upserted.length + page.value.removed.length;
    for (const user of page.value.upserted) {
      seen?.add(user.id);
      await changes.put(user.id, withAttributes(changes.entryOf(user.id) | IN_TENANT, user));
    }
    for (const removed of page.value.removed) await removeFromTenant(changes, removed);
    nextLink = page.value.deltaLink ?? nextLink;
  }
  if (seen !== undefined) {
    // Reconciliation: a user the directory remembers from the tenant but the full round did not return is gone.
    for (const [userId, entry] of [...parts.directory.users()]) {
      if ((entry & IN_TENANT) !== 0 && !seen.has(userId)) await changes.put(userId, entry & ~IN_TENANT);
    }
  }
  report.deltaLink = nextLink ?? undefined;
  await changes.flush(parts.codec.deltaLink(report.deltaLink));
}

function pagesOf(parts: RoundParts, deltaLink: string | undefined): AsyncIterator<UsersDeltaPage> {
  const options = { ...(deltaLink === undefined ? {} : { deltaLink }), ...signalOf(parts) };
  return parts.reader.usersDelta(options)[Symbol.asyncIterator]();
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
  for (const [userId, entry] of [...parts.directory.users()]) {
    if ((entry & bit) !== 0 && !seen.has(userId)) await changes.put(userId, entry & ~bit);
  }
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
    await this.parts.write(records);
    for (const [userId, entry] of entries) this.parts.directory.set(userId, sourcesOrNone(this.parts, entry));
    this.written += entries.length;
  }
}

/** An entry no configured source has any more is forgotten: undefined, a tombstone. */
function sourcesOrNone(parts: RoundParts, entry: number): number | undefined {
  return parts.rule.configuredSources(entry) === 0 ? undefined : entry;
}
