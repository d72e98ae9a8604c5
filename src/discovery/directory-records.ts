/**
 * The directory topic's records: one per discovered user (key: the user id, value: where it was found and its
 * attributes, JSON so that an operator can read the watched set with any console consumer), a tombstone when
 * the user is forgotten, and the delta link to resume from under a reserved key. Groups are named by id in the
 * record, never by bit, so a record outlives a change of the configured sources.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import {
  enabledKnown,
  guestKnown,
  IN_TENANT,
  isDisabled,
  isGuest,
  withAttributes,
  type WatchRule,
} from './directory-entry.js';

/** Keys of the connector's own records start with this; user ids (GUIDs) never do. */
const RESERVED_PREFIX = '!';
export const USERS_DELTA_LINK_KEY = '!delta/users';

export interface DirectoryRecord {
  key: string;
  /** null: a tombstone. */
  value: Buffer | null;
}

interface UserValue {
  tenant?: boolean;
  enabled?: boolean;
  guest?: boolean;
  groups?: string[];
}

/** What a record of the topic says. */
export type DecodedDirectoryRecord =
  | { kind: 'user'; userId: string; entry: number | undefined }
  | { kind: 'deltaLink'; link: string | undefined }
  | { kind: 'other' };

export class DirectoryRecordCodec {
  constructor(private readonly rule: WatchRule) {}

  /** The user's record; a tombstone when no configured source has it any more. */
  user(userId: string, entry: number | undefined): DirectoryRecord {
    if (entry === undefined) return { key: userId, value: null };
    const value: UserValue = {};
    if ((entry & IN_TENANT) !== 0) value.tenant = true;
    const groups = this.rule.groups.filter((groupId) => (entry & (this.rule.bitOfGroup(groupId) ?? 0)) !== 0);
    if (groups.length > 0) value.groups = groups;
    if (enabledKnown(entry)) value.enabled = !isDisabled(entry);
    if (guestKnown(entry)) value.guest = isGuest(entry);
    return { key: userId, value: Buffer.from(JSON.stringify(value), 'utf8') };
  }

  deltaLink(link: string | undefined): DirectoryRecord {
    return { key: USERS_DELTA_LINK_KEY, value: link === undefined ? null : Buffer.from(link, 'utf8') };
  }

  /**
   * A record read back. A user value that is not the documented JSON fails with the key and offset: a watched
   * set built from a record half understood would add or remove the wrong people.
   */
  decode(record: DirectoryRecord, offset: string): DecodedDirectoryRecord {
    if (record.key === USERS_DELTA_LINK_KEY) {
      return { kind: 'deltaLink', link: record.value === null ? undefined : record.value.toString('utf8') };
    }
    if (record.key.startsWith(RESERVED_PREFIX)) return { kind: 'other' };
    if (record.value === null) return { kind: 'user', userId: record.key, entry: undefined };
    return { kind: 'user', userId: record.key, entry: this.entryOf(parseValue(record, offset)) };
  }

  private entryOf(value: UserValue): number {
    let entry = value.tenant === true ? IN_TENANT : 0;
    for (const groupId of value.groups ?? []) entry |= this.rule.bitOfGroup(groupId) ?? 0;
    return withAttributes(entry, {
      accountEnabled: value.enabled ?? null,
      userType: value.guest === undefined ? null : value.guest ? 'Guest' : 'Member',
    });
  }
}

function parseValue(record: DirectoryRecord, offset: string): UserValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value?.toString('utf8') ?? '');
  } catch (error) {
    throw invalidRecord(record.key, offset, 'is not JSON', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidRecord(record.key, offset, 'is not a JSON object');
  }
  const value = parsed as Record<string, unknown>;
  for (const field of ['tenant', 'enabled', 'guest'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'boolean') {
      throw invalidRecord(record.key, offset, `has a "${field}" that is not true or false`);
    }
  }
  const groups = value['groups'];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((id) => typeof id === 'string'))) {
    throw invalidRecord(record.key, offset, 'has "groups" that is not a list of ids');
  }
  return value as UserValue;
}

function invalidRecord(key: string, offset: string, what: string, cause?: unknown): ConnectorError {
  return new ConnectorError(
    ErrorCodes.STATE_RESTORE_FAILED,
    `the directory record "${key}" at offset ${offset} ${what}`,
    { details: { key, offset }, ...(cause === undefined ? {} : { cause }) },
  );
}
