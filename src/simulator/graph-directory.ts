/**
 * The directory routes: `/users/delta`, `/groups/delta`, `/groups/{id}/members` and `/transitiveMembers` (v1.0
 * and beta). Checks run as on the presence endpoint: token (401), the directory's own resource-unit budget (429,
 * separate from presence's), permission (403 `Authorization_RequestDenied`), then the request (400, 404, expired
 * delta links). Every admitted answer carries `x-ms-resource-unit`, as Graph's identity service does.
 */
import type { IncomingMessage } from 'node:http';
import { formatRetryAfter, type ResourceUnitBucket } from './budget.js';
import { isFailure, type DeltaContext, type DirectoryQuery, type DirectoryRound } from './delta-paging.js';
import type { DeltaTokenCodec } from './delta-tokens.js';
import type { Directory } from './directory.js';
import type { DirectoryFaults, DirectoryOptions, DirectoryPermission } from './directory-options.js';
import { authenticateBearer } from './graph-presence.js';
import { groupMembers, type MemberCast } from './group-members.js';
import { groupsDelta } from './groups-delta.js';
import { graphError, graphHeaders, requestIds, type Reply, type RequestIds } from './http-util.js';
import type { Random } from './random.js';
import type { TokenAuthority } from './tokens.js';
import { usersDelta } from './users-delta.js';

export type DirectoryRoute = 'users-delta' | 'groups-delta' | 'group-members' | 'group-transitive-members';

export interface DirectoryPath {
  route: DirectoryRoute;
  version: 'v1.0' | 'beta';
  /** The group id of a members route, as in the path (lowercase). */
  groupId: string | null;
  cast: MemberCast;
}

/** What the recording keeps of a directory request. */
export interface DirectoryRequestInfo {
  /** null: the request was refused before it reached a round (401, 403, 429, 400...). */
  round: DirectoryRound | null;
  /** Objects in `value`. */
  entries: number;
  /** The page ended a round (deltaLink) or a listing (no nextLink). */
  completed: boolean;
  /** Resource units the request cost (0 when throttled or unauthenticated). */
  resourceUnits: number;
}

export interface DirectoryContext {
  origin: string;
  tenantId: string;
  tokens: TokenAuthority;
  directory: Directory;
  codec: DeltaTokenCodec;
  options: DirectoryOptions;
  faults(): DirectoryFaults;
  /** Fault draws of the directory only. */
  random: Random;
  budgetFor(clientId: string): ResourceUnitBucket;
}

export interface DirectoryOutcome {
  reply: Reply;
  clientId: string | null;
  info: DirectoryRequestInfo;
  fault: string | null;
}

const VERSION = '(v1\\.0|beta)';
const USERS_DELTA = new RegExp(`^/${VERSION}/users/(?:microsoft\\.graph\\.)?delta/?$`);
const GROUPS_DELTA = new RegExp(`^/${VERSION}/groups/(?:microsoft\\.graph\\.)?delta/?$`);
const MEMBERS = new RegExp(
  `^/${VERSION}/groups/([^/]+)/(members|transitivemembers)(?:/microsoft\\.graph\\.(user|group))?/?$`,
);

/** Graph's documented base costs; paths it does not list cost 1. */
const BASE_COST: Record<DirectoryRoute, number> = {
  'users-delta': 1,
  'groups-delta': 1,
  'group-members': 3,
  'group-transitive-members': 5,
};

const REQUIRED: Record<DirectoryRoute, DirectoryPermission> = {
  'users-delta': 'User.Read.All',
  'groups-delta': 'GroupMember.Read.All',
  'group-members': 'GroupMember.Read.All',
  'group-transitive-members': 'GroupMember.Read.All',
};

/** Matches a lowercased path; null when it is no directory route. */
export function matchDirectoryPath(path: string): DirectoryPath | null {
  const users = USERS_DELTA.exec(path);
  if (users !== null) return { route: 'users-delta', version: version(users[1]), groupId: null, cast: null };
  const groups = GROUPS_DELTA.exec(path);
  if (groups !== null) return { route: 'groups-delta', version: version(groups[1]), groupId: null, cast: null };
  const members = MEMBERS.exec(path);
  if (members === null) return null;
  const route = members[3] === 'members' ? 'group-members' : 'group-transitive-members';
  const cast = members[4] === 'user' || members[4] === 'group' ? members[4] : null;
  return { route, version: version(members[1]), groupId: decodeURIComponent(members[2] ?? ''), cast };
}

function version(value: string | undefined): 'v1.0' | 'beta' {
  return value === 'beta' ? 'beta' : 'v1.0';
}

/** Query parameters by lowercase name, with or without the `$`. */
export function parseDirectoryQuery(url: string): DirectoryQuery {
  const query: DirectoryQuery = { select: null, filter: null, top: null, skiptoken: null, deltatoken: null };
  const at = url.indexOf('?');
  if (at < 0) return query;
  for (const [key, value] of new URLSearchParams(url.slice(at + 1))) {
    const name = key.toLowerCase().replace(/^\$/, '');
    if (name in query) query[name as keyof DirectoryQuery] = value;
  }
  return query;
}

/** Graph's cost rules: `$select` takes one unit off, `$top` under 20 another; never below 1. */
export function requestCost(route: DirectoryRoute, query: DirectoryQuery): number {
  let cost = BASE_COST[route];
  if (query.select !== null) cost--;
  if (query.top !== null && Number(query.top) < 20) cost--;
  return Math.max(1, cost);
}

export function handleDirectory(
  context: DirectoryContext,
  request: IncomingMessage,
  path: DirectoryPath,
  clock: { monotonicMs: number; wallMs: number },
): DirectoryOutcome {
  const ids = requestIds(request);
  const info: DirectoryRequestInfo = { round: null, entries: 0, completed: false, resourceUnits: 0 };
  const refuse = (reply: Reply, clientId: string | null, fault: string | null = null): DirectoryOutcome => ({
    reply,
    clientId,
    info,
    fault,
  });
  if (request.method !== 'GET') {
    return refuse(graphError(405, 'Request_BadRequest', 'Use GET.', ids, clock.wallMs), null);
  }
  const auth = authenticateBearer(context, request, ids, clock.wallMs);
  if (!auth.ok) return refuse(auth.reply, auth.clientId);
  const { clientId } = auth;
  const faults = context.faults();
  const query = parseDirectoryQuery(request.url ?? '');
  const cost = requestCost(path.route, query);
  const decision = context.budgetFor(clientId).take(cost, clock.monotonicMs);
  if (!decision.admitted)
    return refuse(throttled(context, faults, clientId, ids, decision.retryAfterMs, clock.wallMs), clientId);
  info.resourceUnits = cost;
  const unitHeaders: Record<string, string> = { 'x-ms-resource-unit': String(cost) };
  // Graph reports the share of the budget in use once it passes 0.8.
  if (decision.usedShare > 0.8) unitHeaders['x-ms-throttle-limit-percentage'] = decision.usedShare.toFixed(1);
  if (faults.missingPermissions.includes(REQUIRED[path.route])) {
    const message = 'Insufficient privileges to complete the operation.';
    const reply = graphError(403, 'Authorization_RequestDenied', message, ids, clock.wallMs, unitHeaders);
    return refuse(reply, clientId, 'missingPermission');
  }
  const delta: DeltaContext = {
    origin: context.origin,
    directory: context.directory,
    codec: context.codec,
    options: context.options,
    faults,
    random: context.random,
    nowMs: clock.wallMs,
  };
  const result = answer(delta, query, path, !faults.missingPermissions.includes('User.Read.All'));
  if (isFailure(result)) {
    const headers = result.location === undefined ? unitHeaders : { ...unitHeaders, location: result.location };
    const reply = graphError(result.status, result.code, result.message, ids, clock.wallMs, headers);
    return refuse(reply, clientId, result.fault ?? null);
  }
  Object.assign(info, { round: result.round, entries: result.entries, completed: result.completed });
  const reply: Reply = {
    status: 200,
    headers: { ...graphHeaders(ids), ...unitHeaders },
    body: JSON.stringify(result.body),
  };
  return { reply, clientId, info, fault: result.fault };
}

function answer(context: DeltaContext, query: DirectoryQuery, path: DirectoryPath, canReadUsers: boolean) {
  if (path.route === 'users-delta') return usersDelta(context, query, path.version);
  if (path.route === 'groups-delta') return groupsDelta(context, query, path.version);
  return groupMembers(context, query, {
    version: path.version,
    groupId: path.groupId ?? '',
    transitive: path.route === 'group-transitive-members',
    cast: path.cast,
    canReadUsers,
  });
}

function throttled(
  context: DirectoryContext,
  faults: DirectoryFaults,
  clientId: string,
  ids: RequestIds,
  retryAfterMs: number,
  nowMs: number,
): Reply {
  const headers: Record<string, string> = {
    'x-ms-throttle-scope': `Tenant_Application/Read/${clientId}/${context.tenantId}`,
    'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
  };
  if (faults.throttleRetryAfter === 'present') {
    headers['retry-after'] = formatRetryAfter(retryAfterMs, context.options.budget.retryAfterFormat);
  }
  const message = 'Too many requests: the application is over its directory resource unit budget for this tenant.';
  return graphError(429, 'TooManyRequests', message, ids, nowMs, headers);
}
