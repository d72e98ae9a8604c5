/**
 * `GET /{v1.0|beta}/users/delta`: a full round lists the users that exist (deleted ones are not returned), page by
 * page in index order; a round started from a delta link lists the users whose tracked properties changed since
 * it was issued, deleted ones as `{"id", "@removed": {"reason": "changed" | "deleted"}}`; `$deltatoken=latest`
 * answers a delta link and no users. Graph ignores `$top` on user delta (it documents it as unsupported): the page
 * size is the simulator's `pageSize`.
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
import type { UsersDeltaState } from './delta-tokens.js';
import { parseUserSelect, removedUser, trackedMask, userObject } from './directory-json.js';

export function usersDelta(
  context: DeltaContext,
  query: DirectoryQuery,
  version: 'v1.0' | 'beta',
): DirectoryPage | DirectoryFailure {
  const base = `${context.origin}/${version}/users/delta`;
  const started = startRound(context, query, version, base);
  if ('status' in started) return started;
  const { state, round } = started;
  const select = parseUserSelect(state.select);
  if (!select.ok) return { status: 400, code: 'BadRequest', message: select.message };
  const contextUrl = `${context.origin}/${version}/$metadata#users${state.select === null ? '' : `(${state.select})`}`;
  if (round === 'latest') {
    const delta = link(context, base, 'delta', { ...state, issuedAtMs: context.nowMs });
    return { body: deltaBody(contextUrl, [], { delta }), round, entries: 0, completed: true, fault: null };
  }
  if (drawEmptyPage(context, state.emptied)) {
    const next = link(context, base, 'skip', { ...state, emptied: true });
    return { body: deltaBody(contextUrl, [], { next }), round, entries: 0, completed: false, fault: 'emptyPage' };
  }
  const { directory } = context;
  const users = directory.users;
  const mask = trackedMask(select);
  const indices: number[] = [];
  let cursor = state.cursor;
  for (; cursor < users.capacity && indices.length < context.options.pageSize; cursor++) {
    const include = state.full ? users.exists(cursor) : users.changedSince(cursor, state.since, mask);
    if (include && users.state(cursor) !== 'absent') indices.push(cursor);
  }
  const value = indices.map((index) =>
    users.exists(index) ? userObject(directory, index, select.properties) : removedUser(directory, index),
  );
  const repeated = drawRepeated(context, indices.length);
  if (repeated > 0) cursor = indices[indices.length - repeated] ?? cursor;
  const fault = repeated > 0 ? 'duplicates' : null;
  if (cursor >= users.capacity && repeated === 0) {
    // The round ends: the next one starts after the serial this one started at, so changes made while it ran
    // are served again rather than lost.
    const delta = link(context, base, 'delta', {
      ...state,
      since: state.until,
      full: false,
      cursor: 0,
      emptied: false,
      issuedAtMs: context.nowMs,
    });
    return { body: deltaBody(contextUrl, value, { delta }), round, entries: value.length, completed: true, fault };
  }
  const next = link(context, base, 'skip', { ...state, cursor, emptied: false });
  return { body: deltaBody(contextUrl, value, { next }), round, entries: value.length, completed: false, fault };
}

type Started = { state: UsersDeltaState; round: DirectoryRound } | DirectoryFailure;

function startRound(context: DeltaContext, query: DirectoryQuery, version: 'v1.0' | 'beta', base: string): Started {
  const { codec, directory, nowMs } = context;
  const fresh = (select: string | null): UsersDeltaState => ({
    kind: 'users',
    phase: 'skip',
    version,
    select,
    issuedAtMs: nowMs,
    generation: codec.currentGeneration,
    since: 0,
    until: directory.serial,
    full: true,
    emptied: false,
    cursor: 0,
  });
  if (query.skiptoken !== null) {
    const check = codec.decode(query.skiptoken, 'users', nowMs);
    if (!check.ok) return tokenFailure(check, context.faults, (old) => `${base}${restartQuery(old.select, null)}`);
    return { state: check.state, round: 'next' };
  }
  const token = query.deltatoken;
  if (token !== null && token.toLowerCase() === 'latest') {
    return { state: { ...fresh(query.select), full: false, since: directory.serial }, round: 'latest' };
  }
  // An empty $deltatoken is the initial query: it is what the Location of a 410 asks for.
  if (token === null || token === '') return { state: fresh(query.select), round: 'full' };
  const check = codec.decode(token, 'users', nowMs);
  if (!check.ok) return tokenFailure(check, context.faults, (old) => `${base}${restartQuery(old.select, null)}`);
  // Graph lets a client change the tracked properties of an existing delta link by adding $select to it.
  const select = query.select ?? check.state.select;
  return {
    state: {
      ...check.state,
      phase: 'skip',
      select,
      issuedAtMs: nowMs,
      until: directory.serial,
      full: false,
      cursor: 0,
    },
    round: 'incremental',
  };
}

function link(context: DeltaContext, base: string, phase: 'skip' | 'delta', state: UsersDeltaState): string {
  const token = context.codec.encode({ ...state, phase });
  return phase === 'skip' ? `${base}?$skiptoken=${token}` : `${base}?$deltatoken=${token}`;
}
