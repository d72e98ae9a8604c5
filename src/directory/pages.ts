/**
 * Parses the 200 pages of the directory calls. A body that is not the documented shape fails the page with
 * GRAPH_BAD_RESPONSE: a watched set built from half-understood pages would add or remove the wrong people.
 * Within one page an object that appears twice counts once, the later entry winning (Graph may repeat an object
 * that changed twice); across pages the caller applies pages in order, so the later page wins the same way.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';

/** A user as discovery needs it. Ids are lowercase. */
export interface DirectoryUser {
  id: string;
  /**
   * null when the entry did not carry it: an incremental delta round may send only the properties that changed,
   * and a listing does not send it to an app without User.Read.All. The caller keeps what it knew.
   */
  accountEnabled: boolean | null;
  /** `Member` or `Guest` as Graph sends it; null as for `accountEnabled`. */
  userType: string | null;
}

/** A user that left the tenant: `changed` (in the recycle bin, restorable) or `deleted` (for good). */
export interface RemovedUser {
  id: string;
  reason: string;
}

export interface PageLinks {
  nextLink: string | null;
  deltaLink: string | null;
}

export interface UsersDeltaEntries {
  upserted: DirectoryUser[];
  removed: RemovedUser[];
}

/** A member of a group as group delta reports it; members of other types (devices, contacts) are left out. */
export interface MemberRef {
  kind: 'user' | 'group';
  id: string;
}

export interface GroupDeltaEntries {
  /** The page carried the watched group's object (a full round always does; see the client). */
  groupSeen: boolean;
  /** The group itself was deleted. */
  groupRemoved: boolean;
  added: MemberRef[];
  removed: MemberRef[];
}

type JsonObject = Record<string, unknown>;

const MEMBER_KINDS: Readonly<Record<string, MemberRef['kind']>> = {
  '#microsoft.graph.user': 'user',
  '#microsoft.graph.group': 'group',
};

/** The `value` array and paging links of any page. */
export function pageOf(body: unknown, what: string): { value: unknown[]; links: PageLinks } {
  if (!isObject(body) || !Array.isArray(body['value'])) throw badPage(what, 'body has no "value" array');
  return {
    value: body['value'],
    links: { nextLink: linkField(body, '@odata.nextLink', what), deltaLink: linkField(body, '@odata.deltaLink', what) },
  };
}

/** Users of a transitive member listing cast to microsoft.graph.user. */
export function parseGroupUsers(value: unknown[], what: string): DirectoryUser[] {
  const users = new Map<string, DirectoryUser>();
  value.forEach((entry, index) => {
    if (!isObject(entry)) throw badPage(what, `value[${index}] is not an object`);
    // The cast should leave only users; an app without User.Read.All still sees their type, which must agree.
    const type = entry['@odata.type'];
    if (type !== undefined && type !== '#microsoft.graph.user') return;
    const user = parseUser(entry, index, what);
    users.set(user.id, merged(users.get(user.id), user));
  });
  return [...users.values()];
}

export function parseUsersDelta(value: unknown[], what: string): UsersDeltaEntries {
  const latest = new Map<string, DirectoryUser | RemovedUser>();
  value.forEach((entry, index) => {
    if (!isObject(entry)) throw badPage(what, `value[${index}] is not an object`);
    const removed = entry['@removed'];
    if (removed !== undefined) {
      const id = idOf(entry, index, what);
      latest.set(id, { id, reason: removedReason(removed) });
      return;
    }
    const user = parseUser(entry, index, what);
    const before = latest.get(user.id);
    latest.set(user.id, before === undefined || 'reason' in before ? user : merged(before, user));
  });
  const upserted: DirectoryUser[] = [];
  const removed: RemovedUser[] = [];
  for (const entry of latest.values()) {
    if ('reason' in entry) removed.push(entry);
    else upserted.push(entry);
  }
  return { upserted, removed };
}

/** The watched group's object in a `groups/delta?$filter=id eq '…'&$select=members` page. */
export function parseGroupDelta(value: unknown[], groupId: string, what: string): GroupDeltaEntries {
  const members = new Map<string, { ref: MemberRef; removed: boolean }>();
  let groupSeen = false;
  let groupRemoved = false;
  value.forEach((entry, index) => {
    if (!isObject(entry)) throw badPage(what, `value[${index}] is not an object`);
    if (idOf(entry, index, what) !== groupId) return; // the filter names one group; anything else is not ours
    groupSeen = true;
    if (entry['@removed'] !== undefined) groupRemoved = true;
    const delta = entry['members@delta'];
    if (delta === undefined) return; // a group without members, or without membership changes
    if (!Array.isArray(delta)) throw badPage(what, `value[${index}]["members@delta"] is not an array`);
    delta.forEach((member: unknown, position: number) => {
      const where = `value[${index}]["members@delta"][${position}]`;
      const parsed = parseMember(member, where, what);
      if (parsed !== null) members.set(`${parsed.ref.kind}:${parsed.ref.id}`, parsed);
    });
  });
  const added: MemberRef[] = [];
  const removed: MemberRef[] = [];
  for (const member of members.values()) (member.removed ? removed : added).push(member.ref);
  return { groupSeen, groupRemoved, added, removed };
}

function parseMember(member: unknown, where: string, what: string): { ref: MemberRef; removed: boolean } | null {
  if (!isObject(member)) throw badPage(what, `${where} is not an object`);
  const type = member['@odata.type'];
  if (typeof type !== 'string') throw badPage(what, `${where} has no "@odata.type"`);
  const id = member['id'];
  if (typeof id !== 'string' || id === '') throw badPage(what, `${where}.id is missing`);
  const kind = MEMBER_KINDS[type.toLowerCase()];
  if (kind === undefined) return null; // devices, contacts, service principals: nobody whose presence exists
  return { ref: { kind, id: id.toLowerCase() }, removed: member['@removed'] !== undefined };
}

function parseUser(entry: JsonObject, index: number, what: string): DirectoryUser {
  const accountEnabled = entry['accountEnabled'];
  const userType = entry['userType'];
  return {
    id: idOf(entry, index, what),
    accountEnabled: typeof accountEnabled === 'boolean' ? accountEnabled : null,
    userType: typeof userType === 'string' ? userType : null,
  };
}

/** The later entry wins; a property it does not carry keeps the earlier entry's value. */
function merged(before: DirectoryUser | undefined, after: DirectoryUser): DirectoryUser {
  if (before === undefined) return after;
  return {
    id: after.id,
    accountEnabled: after.accountEnabled ?? before.accountEnabled,
    userType: after.userType ?? before.userType,
  };
}

function removedReason(removed: unknown): string {
  return isObject(removed) && typeof removed['reason'] === 'string' ? removed['reason'] : 'unknown';
}

function idOf(entry: JsonObject, index: number, what: string): string {
  const id = entry['id'];
  if (typeof id !== 'string' || id === '') throw badPage(what, `value[${index}].id is missing`);
  return id.toLowerCase();
}

function linkField(body: JsonObject, name: string, what: string): string | null {
  const link = body[name];
  if (link === undefined || link === null) return null;
  if (typeof link !== 'string' || link === '') throw badPage(what, `"${name}" is not a URL`);
  return link;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function badPage(what: string, message: string, cause?: unknown): ConnectorError {
  return new ConnectorError(ErrorCodes.GRAPH_BAD_RESPONSE, `unexpected page of ${what}: ${message}`, {
    cause,
    retriable: true,
  });
}
