/**
 * `GET /{v1.0|beta}/groups/{id}/members` and `.../transitiveMembers`, optionally cast to `microsoft.graph.user` or
 * `microsoft.graph.group`, with `$select` and `$top` (1-999, default 100) and `@odata.nextLink` paging. Transitive
 * listings walk nested groups with a cycle guard and list each user once. Without a cast every entry carries its
 * `@odata.type`. An application without User.Read.All gets user members with their type and id only: Graph's
 * documented "limited information" for a derived type the app may not read.
 */
import type { DeltaContext, DirectoryFailure, DirectoryPage, DirectoryQuery } from './delta-paging.js';
import { GROUP_REF, isGroupRef, refIndex } from './directory-groups.js';
import { groupObject, parseUserSelect, userObject } from './directory-json.js';

export type MemberCast = 'user' | 'group' | null;

export interface MembersRequest {
  version: 'v1.0' | 'beta';
  /** The group id as it appeared in the path. */
  groupId: string;
  transitive: boolean;
  cast: MemberCast;
  /** False: the app lacks User.Read.All. */
  canReadUsers: boolean;
}

export const DEFAULT_LIST_PAGE_SIZE = 100;
export const MAX_LIST_PAGE_SIZE = 999;

export function groupMembers(
  context: DeltaContext,
  query: DirectoryQuery,
  request: MembersRequest,
): DirectoryPage | DirectoryFailure {
  const { directory, codec, nowMs } = context;
  const group = directory.groupIndexOf(request.groupId);
  if (group < 0) {
    const message = `Resource '${request.groupId}' does not exist or one of its queried reference-property objects are not present.`;
    return { status: 404, code: 'Request_ResourceNotFound', message };
  }
  const top = query.top === null ? DEFAULT_LIST_PAGE_SIZE : Number(query.top);
  if (!Number.isInteger(top) || top < 1 || top > MAX_LIST_PAGE_SIZE) {
    const message = `Invalid page size specified: '${query.top ?? ''}'. Must be between 1 and ${MAX_LIST_PAGE_SIZE} inclusive.`;
    return { status: 400, code: 'Request_UnsupportedQuery', message };
  }
  const select = parseUserSelect(query.select);
  if (!select.ok) return { status: 400, code: 'BadRequest', message: select.message };
  let after = 0;
  if (query.skiptoken !== null) {
    const check = codec.decode(query.skiptoken, 'list', nowMs);
    const valid = check.ok && check.state.group === group && check.state.transitive === request.transitive;
    if (!check.ok || !valid) return { status: 400, code: 'BadRequest', message: 'The skip token is not valid.' };
    after = check.state.after;
  }
  const refs = memberRefs(context, group, request);
  const start = lowerBound(refs, after);
  const slice = refs.subarray(start, start + top);
  const value = Array.from(slice, (ref) => entry(context, ref, request, select.properties));
  const segment = `${request.transitive ? 'transitiveMembers' : 'members'}${request.cast === null ? '' : `/microsoft.graph.${request.cast}`}`;
  const base = `${context.origin}/${request.version}/groups/${request.groupId}/${segment}`;
  const body: Record<string, unknown> = { '@odata.context': contextUrl(context, request, select.given) };
  const more = start + top < refs.length;
  if (more) {
    const token = codec.encode({
      kind: 'list',
      version: request.version,
      select: select.given,
      issuedAtMs: nowMs,
      generation: codec.currentGeneration,
      group,
      transitive: request.transitive,
      after: (slice[slice.length - 1] ?? 0) + 1,
    });
    const params = [select.given === null ? null : `$select=${encodeURIComponent(select.given)}`];
    params.push(query.top === null ? null : `$top=${top}`, `$skiptoken=${token}`);
    body['@odata.nextLink'] = `${base}?${params.filter((part) => part !== null).join('&')}`;
  }
  body['value'] = value;
  return { body, round: 'next', entries: value.length, completed: !more, fault: null };
}

/** Sorted member references the listing walks: direct or transitive, users and/or groups as cast. */
function memberRefs(context: DeltaContext, group: number, request: MembersRequest): Uint32Array {
  const { directory } = context;
  const all = request.transitive ? directory.transitiveMembers(group).refs : directory.groups.memberRefs(group);
  // Users sort before groups (group references have the top bit set), so a cast is a prefix or a suffix.
  const firstGroup = lowerBound(all, GROUP_REF);
  if (request.cast === 'user') return all.subarray(0, firstGroup);
  if (request.cast === 'group') return all.subarray(firstGroup);
  return all;
}

function entry(
  context: DeltaContext,
  ref: number,
  request: MembersRequest,
  properties: Parameters<typeof userObject>[2],
): object {
  const { directory } = context;
  const typed = request.cast === null;
  if (isGroupRef(ref)) {
    // A user $select applied to a group keeps what both types have.
    const group = groupObject(
      directory,
      refIndex(ref),
      properties.includes('displayName') ? ['id', 'displayName'] : ['id'],
    );
    return typed ? { '@odata.type': '#microsoft.graph.group', ...group } : group;
  }
  const user = request.canReadUsers ? userObject(directory, ref, properties) : { id: directory.userId(ref) };
  return typed || !request.canReadUsers ? { '@odata.type': '#microsoft.graph.user', ...user } : user;
}

function contextUrl(context: DeltaContext, request: MembersRequest, select: string | null): string {
  const type = request.cast === 'user' ? 'users' : request.cast === 'group' ? 'groups' : 'directoryObjects';
  return `${context.origin}/${request.version}/$metadata#${type}${select === null ? '' : `(${select})`}`;
}

function lowerBound(refs: Uint32Array, ref: number): number {
  let low = 0;
  let high = refs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((refs[mid] ?? 0) < ref) low = mid + 1;
    else high = mid;
  }
  return low;
}
