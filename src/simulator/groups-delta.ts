/**
 * `GET /{v1.0|beta}/groups/delta`, typically `?$filter=id eq '{id}'&$select=members`: each group with
 * `members@delta`, entries `{"@odata.type": "#microsoft.graph.user" | "#microsoft.graph.group", "id"}`, removed
 * ones with `"@removed": {"reason": "deleted"}`. Delta does not follow nested groups: a nested group is one entry
 * of type group. A full round lists the current direct members (a group without any carries no `members@delta`,
 * as in Graph's example); a large group continues on the next page as the same group object with the next
 * members. An incremental round lists each changed group's net membership changes since the delta link.
 */
import {
  deltaBody,
  drawEmptyPage,
  drawRepeated,
  restartQuery,
  tokenFailure,
  type DeltaContext,
  type DirectoryFailure,
  type DirectoryPage,
  type DirectoryQuery,
  type DirectoryRound,
} from './delta-paging.js';
import type { GroupsDeltaState } from './delta-tokens.js';
import type { Directory } from './directory.js';
import { groupObject, memberEntry, parseGroupSelect } from './directory-json.js';

/** Graph's documented limit of ids in one `$filter` of a delta query. */
export const MAX_FILTER_IDS = 50;
const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const FILTER_TERM = new RegExp(`^\\s*id\\s+eq\\s+'(${GUID})'\\s*$`, 'i');

/** Group indices of `id eq '...' or id eq '...'`; ids that are no group here are left out. A message if invalid. */
export function parseGroupFilter(filter: string, directory: Directory): number[] | string {
  const terms = filter.split(/\s+or\s+/i);
  if (terms.length > MAX_FILTER_IDS) return `At most ${MAX_FILTER_IDS} ids can be filtered in a delta query.`;
  const groups: number[] = [];
  for (const term of terms) {
    const match = FILTER_TERM.exec(term);
    if (match === null) return `Unsupported filter: only 'id eq' terms joined by 'or' are supported on delta.`;
    const index = directory.groupIndexOf(match[1] ?? '');
    if (index >= 0 && !groups.includes(index)) groups.push(index);
  }
  return groups;
}

export function groupsDelta(
  context: DeltaContext,
  query: DirectoryQuery,
  version: 'v1.0' | 'beta',
): DirectoryPage | DirectoryFailure {
  const base = `${context.origin}/${version}/groups/delta`;
  const started = startRound(context, query, version, base);
  if ('status' in started) return started;
  const { state, round } = started;
  const select = parseGroupSelect(state.select);
  if (!select.ok) return { status: 400, code: 'BadRequest', message: select.message };
  const contextUrl = `${context.origin}/${version}/$metadata#groups${state.select === null ? '' : `(${state.select})`}`;
  const withMembers = select.properties.includes('members');
  if (round === 'latest') {
    const delta = link(context, base, 'delta', { ...state, issuedAtMs: context.nowMs });
    return { body: deltaBody(contextUrl, [], { delta }), round, entries: 0, completed: true, fault: null };
  }
  if (drawEmptyPage(context, state.emptied)) {
    const next = link(context, base, 'skip', { ...state, emptied: true });
    return { body: deltaBody(contextUrl, [], { next }), round, entries: 0, completed: false, fault: 'emptyPage' };
  }
  const { directory, options } = context;
  const list = state.filter ?? [...Array(directory.groups.count).keys()];
  const value: object[] = [];
  let { groupCursor, memberCursor } = state;
  let budget = options.membersPerPage;
  // Where the last member slice of the page starts, for the duplicates fault.
  let lastSlice: { position: number; refs: number[] } | null = null;
  while (groupCursor < list.length && value.length < options.pageSize && budget > 0) {
    const group = list[groupCursor] ?? 0;
    const pending = withMembers ? pendingMembers(directory, group, state, memberCursor, budget) : NONE;
    if (!state.full && pending.slice.length === 0) {
      groupCursor++;
      memberCursor = 0;
      continue;
    }
    const { slice } = pending;
    const object: Record<string, unknown> = { ...groupObject(directory, group, select.properties) };
    if (slice.length > 0) {
      object['members@delta'] = slice.map((change) => memberEntry(directory, change.ref, !change.added));
    }
    value.push(object);
    budget -= slice.length;
    lastSlice = { position: groupCursor, refs: slice.map((change) => change.ref) };
    if (pending.more) {
      memberCursor = (slice[slice.length - 1]?.ref ?? 0) + 1;
      break;
    }
    groupCursor++;
    memberCursor = 0;
  }
  const repeated = lastSlice === null ? 0 : drawRepeated(context, lastSlice.refs.length);
  if (lastSlice !== null && repeated > 0) {
    groupCursor = lastSlice.position;
    memberCursor = lastSlice.refs[lastSlice.refs.length - repeated] ?? 0;
  }
  const fault = repeated > 0 ? 'duplicates' : null;
  if (groupCursor >= list.length) {
    const delta = link(context, base, 'delta', {
      ...state,
      since: state.until,
      full: false,
      groupCursor: 0,
      memberCursor: 0,
      emptied: false,
      issuedAtMs: context.nowMs,
    });
    return { body: deltaBody(contextUrl, value, { delta }), round, entries: value.length, completed: true, fault };
  }
  const next = link(context, base, 'skip', { ...state, groupCursor, memberCursor, emptied: false });
  return { body: deltaBody(contextUrl, value, { next }), round, entries: value.length, completed: false, fault };
}

interface Pending {
  slice: { ref: number; added: boolean }[];
  /** More members of this group remain for the next page. */
  more: boolean;
}
const NONE: Pending = { slice: [], more: false };

/**
 * Up to `limit` members still to serve for a group on this round, from reference `from` on: current members
 * (full round) or net changes. A full round reads only the slice it serves, so a page of a large group is cheap.
 */
function pendingMembers(
  directory: Directory,
  group: number,
  state: GroupsDeltaState,
  from: number,
  limit: number,
): Pending {
  if (state.full) {
    const refs = directory.groups.memberRefs(group);
    const start = directory.groups.lowerBound(group, from);
    const slice = Array.from(refs.subarray(start, start + limit), (ref) => ({ ref, added: true }));
    return { slice, more: start + limit < refs.length };
  }
  const changes = directory.groups.changesSince(group, state.since).filter((change) => change.ref >= from);
  return { slice: changes.slice(0, limit), more: changes.length > limit };
}

type Started = { state: GroupsDeltaState; round: DirectoryRound } | DirectoryFailure;

function startRound(context: DeltaContext, query: DirectoryQuery, version: 'v1.0' | 'beta', base: string): Started {
  const { codec, directory, nowMs } = context;
  const restart = (old: GroupsDeltaState): string => `${base}${restartQuery(old.select, filterText(directory, old))}`;
  if (query.skiptoken !== null) {
    const check = codec.decode(query.skiptoken, 'groups', nowMs);
    if (!check.ok) return tokenFailure(check, context.faults, restart);
    return { state: check.state, round: 'next' };
  }
  const token = query.deltatoken;
  if (token !== null && token !== '' && token.toLowerCase() !== 'latest') {
    const check = codec.decode(token, 'groups', nowMs);
    if (!check.ok) return tokenFailure(check, context.faults, restart);
    const select = query.select ?? check.state.select;
    const state = { ...check.state, select, issuedAtMs: nowMs, until: directory.serial, full: false };
    return { state: { ...state, phase: 'skip', groupCursor: 0, memberCursor: 0 }, round: 'incremental' };
  }
  let filter: number[] | null = null;
  if (query.filter !== null) {
    const parsed = parseGroupFilter(query.filter, directory);
    if (typeof parsed === 'string') return { status: 400, code: 'Request_UnsupportedQuery', message: parsed };
    filter = parsed;
  }
  const latest = token !== null && token.toLowerCase() === 'latest';
  const state: GroupsDeltaState = {
    kind: 'groups',
    phase: 'skip',
    version,
    select: query.select,
    issuedAtMs: nowMs,
    generation: codec.currentGeneration,
    since: latest ? directory.serial : 0,
    until: directory.serial,
    full: !latest,
    emptied: false,
    filter,
    groupCursor: 0,
    memberCursor: 0,
  };
  return { state, round: latest ? 'latest' : 'full' };
}

function filterText(directory: Directory, state: GroupsDeltaState): string | null {
  if (state.filter === null) return null;
  return state.filter.map((group) => `id eq '${directory.groupId(group)}'`).join(' or ');
}

function link(context: DeltaContext, base: string, phase: 'skip' | 'delta', state: GroupsDeltaState): string {
  const token = context.codec.encode({ ...state, phase });
  return phase === 'skip' ? `${base}?$skiptoken=${token}` : `${base}?$deltatoken=${token}`;
}
