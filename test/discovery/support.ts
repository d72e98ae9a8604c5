/** Fakes and builders shared by the discovery tests: sources, users, a scripted directory reader, a record log. */
import { pino } from 'pino';
import type { DiscoverySource } from '../../src/config/index.js';
import type { DirectoryUser, RemovedUser, UsersDeltaPage } from '../../src/directory/index.js';
import {
  DirectoryRecordCodec,
  USERS_DELTA_LINK_KEY,
  WatchedDirectory,
  WatchRule,
  type DirectoryLog,
  type DirectoryReader,
  type DirectoryRecord,
} from '../../src/discovery/index.js';

export const silentLogger = pino({ level: 'silent' });

export const GROUP_A = 'aaaaaaaa-0000-4000-8000-000000000001';
export const GROUP_B = 'bbbbbbbb-0000-4000-8000-000000000002';
export const GROUP_C = 'cccccccc-0000-4000-8000-000000000003';

/** A lowercase GUID for n: ids that differ only in their last characters, the hard case for a hash. */
export function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const tenant = (includeGuests = false): DiscoverySource => ({ type: 'tenant', includeGuests });
export const group = (groupId: string): DiscoverySource => ({ type: 'group', groupId });

export function member(id: string, accountEnabled: boolean | null = true): DirectoryUser {
  return { id, accountEnabled, userType: 'Member' };
}

export function guest(id: string): DirectoryUser {
  return { id, accountEnabled: true, userType: 'Guest' };
}

export function page(
  upserted: DirectoryUser[],
  removed: string[] = [],
  deltaLink: string | null = null,
): UsersDeltaPage {
  const gone: RemovedUser[] = removed.map((id) => ({ id, reason: 'deleted' }));
  return { upserted, removed: gone, deltaLink };
}

/** The rule, codec and watched directory of one configuration. */
export interface Discovery {
  rule: WatchRule;
  codec: DirectoryRecordCodec;
  directory: WatchedDirectory;
}

export function discovery(
  sources: DiscoverySource[],
  options: { shardNames?: string[]; explicit?: string[] } = {},
): Discovery {
  const rule = new WatchRule(sources);
  const explicit = new Set(options.explicit ?? []);
  const directory = new WatchedDirectory({
    rule,
    shardNames: options.shardNames ?? ['discovered-0', 'discovered-1'],
    isExplicit: (userId) => explicit.has(userId),
  });
  return { rule, codec: new DirectoryRecordCodec(rule), directory };
}

/**
 * A directory reader answering from a script: `tenant` gives the pages of a users delta from a link (throw to
 * fail before the first page), `groups` the pages of each group's listing (an Error: the listing fails with it).
 */
export class ScriptedReader implements DirectoryReader {
  readonly deltaCalls: (string | undefined)[] = [];
  readonly groupCalls: string[] = [];
  tenant: (deltaLink: string | undefined) => UsersDeltaPage[] = () => [page([], [], 'link-empty')];
  readonly groups = new Map<string, DirectoryUser[][] | Error>();
  /** Awaited before each page: lets a test hold a round in the middle (the signal is ignored on purpose). */
  beforePage: () => Promise<void> = async () => undefined;

  async *usersDelta(options: { deltaLink?: string }): AsyncGenerator<UsersDeltaPage> {
    this.deltaCalls.push(options.deltaLink);
    for (const next of this.tenant(options.deltaLink)) {
      await this.beforePage();
      yield next;
    }
  }

  async *listGroupUsers(groupId: string): AsyncGenerator<DirectoryUser[]> {
    this.groupCalls.push(groupId);
    const answer = this.groups.get(groupId) ?? [];
    if (answer instanceof Error) throw answer;
    for (const users of answer) {
      await this.beforePage();
      yield users;
    }
  }
}

/** A write that keeps every batch it was given (and fails when `failAt` says so). */
export class RecordingWrite {
  readonly batches: DirectoryRecord[][] = [];
  failAt: (batchIndex: number) => Error | undefined = () => undefined;

  readonly write = async (records: DirectoryRecord[]): Promise<void> => {
    const failure = this.failAt(this.batches.length);
    this.batches.push(records);
    if (failure !== undefined) throw failure;
  };

  get records(): DirectoryRecord[] {
    return this.batches.flat();
  }
}

/** The directory topic in memory: offsets are array indexes; `append` is the discoverer's write. */
export class MemoryLog implements DirectoryLog {
  readonly records: DirectoryRecord[] = [];

  async read(fromOffset: string | undefined, onRecord: (record: DirectoryRecord, offset: string) => void) {
    const end = this.records.length;
    for (let offset = Number(fromOffset ?? 0); offset < end; offset++) {
      const record = this.records[offset];
      if (record !== undefined) onRecord(record, String(offset));
    }
    return String(end);
  }

  readonly append = async (records: DirectoryRecord[]): Promise<void> => {
    this.records.push(...records);
  };

  /** The latest value per key, as compaction leaves it: JSON parsed, a tombstone as null. */
  latest(): Map<string, unknown> {
    const values = new Map<string, unknown>();
    for (const { key, value } of this.records) values.set(key, valueOf({ key, value }));
    return values;
  }
}

/** A record's value for assertions: a user's JSON parsed, the delta link as its text, a tombstone as null. */
export function valueOf(record: DirectoryRecord): unknown {
  if (record.value === null) return null;
  const text = record.value.toString('utf8');
  return record.key === USERS_DELTA_LINK_KEY ? text : (JSON.parse(text) as unknown);
}

export function keysOf(records: readonly DirectoryRecord[]): string[] {
  return records.map((record) => record.key);
}
