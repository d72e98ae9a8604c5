/**
 * `POST /{v1.0|beta}/communications/getPresencesByUserId`. Checks run in this order: token (401), request budget
 * (429, counted for every authenticated request), permission (403), body (400), injected server errors, presences.
 * Graph does not document its order; this one makes every authenticated call count, as its throttling docs imply.
 * Per-request work is O(ids), never O(users); the 200 body is written by presence-response.ts.
 */
import type { IncomingMessage } from 'node:http';
import { formatRetryAfter, type RequestBudget } from './budget.js';
import type { ClientRegistry } from './clients.js';
import { graphError, graphHeaders, headerValue, requestIds, type Reply, type RequestIds } from './http-util.js';
import { MAX_IDS_PER_REQUEST, type BudgetOptions, type SimulatorFaults } from './options.js';
import { presences, resolveIds, type DuplicateFilter } from './presence-response.js';
import type { PresenceStore } from './presence-store.js';
import { chance, randomInt, type Random } from './random.js';
import type { Recorder } from './recording.js';
import type { TokenAuthority, TokenCheck } from './tokens.js';

export interface PresenceContext {
  origin: string;
  duplicates: DuplicateFilter;
  seed: number;
  store: PresenceStore;
  /** False for users not in the directory (deleted, or not created yet): Graph has no presence for them. */
  inDirectory(index: number): boolean;
  tokens: TokenAuthority;
  clients: ClientRegistry;
  budgetFor(clientId: string): RequestBudget;
  budgetOptions: BudgetOptions;
  faults(): SimulatorFaults;
  /** Fault draws only, so that turning faults on does not change the population's churn. */
  random: Random;
  recorder: Recorder;
}

export interface PresenceOutcome {
  reply: Reply;
  clientId: string | null;
  idsCount: number;
  presencesServed: number;
  fault: string | null;
}

export interface PresenceClock {
  monotonicMs: number;
  wallMs: number;
}

const TOKEN_MESSAGES: Record<Exclude<TokenCheck, { ok: true }>['reason'], string> = {
  missing: 'Access token is empty.',
  malformed: 'IDX14100: JWT is not well formed, there are no dots (.).',
  unknown: 'Access token validation failure. Invalid signature.',
  expired: 'Lifetime validation failed, the token is expired.',
  revoked:
    'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp',
};

const SERVER_ERRORS: Record<number, { code: string; message: string }> = {
  500: { code: 'UnknownError', message: 'An internal server error occurred.' },
  503: {
    code: 'ServiceNotAvailable',
    message: 'The service is temporarily unavailable. Please retry after some time.',
  },
  504: { code: 'GatewayTimeout', message: 'The gateway did not receive a timely response from the upstream service.' },
};

function outcome(reply: Reply, clientId: string | null, idsCount = 0, fault: string | null = null): PresenceOutcome {
  return { reply, clientId, idsCount, presencesServed: 0, fault };
}

export function handlePresence(
  context: PresenceContext,
  request: IncomingMessage,
  body: string,
  version: string,
  clock: PresenceClock,
): PresenceOutcome {
  const ids = requestIds(request);
  const faults = context.faults();
  const auth = authenticate(context, request, ids, faults, clock.wallMs);
  if (!auth.ok) return outcome(auth.reply, auth.clientId, 0, auth.fault);
  const clientId = auth.clientId;
  const decision = context.budgetFor(clientId).take(clock.monotonicMs);
  if (!decision.admitted) return outcome(throttled(context, ids, decision.retryAfterMs, clock.wallMs), clientId);
  const client = context.clients.find(clientId);
  if (faults.forbidden || client?.hasPresencePermission === false) {
    const reply = graphError(403, 'Forbidden', 'Insufficient privileges to complete the operation.', ids, clock.wallMs);
    return outcome(reply, clientId, 0, faults.forbidden ? 'forbidden' : null);
  }
  const parsed = parseIds(body);
  if (typeof parsed === 'string') return outcome(graphError(400, 'BadRequest', parsed, ids, clock.wallMs), clientId);
  // Graph answers an oversized request with a bare 400: no error body at all.
  if (parsed.length > MAX_IDS_PER_REQUEST)
    return outcome({ status: 400, headers: graphHeaders(ids), body: '' }, clientId, parsed.length);
  const resolved = resolveIds(context, parsed);
  if (faults.nonGuidIds === 'badRequest' && resolved.firstNotGuid !== null) {
    const message = `Invalid user id '${resolved.firstNotGuid}': ids must be user object ids (GUIDs).`;
    return outcome(graphError(400, 'BadRequest', message, ids, clock.wallMs), clientId, parsed.length);
  }
  const rejected = firstRejected(parsed, faults.rejectedIds);
  if (rejected !== undefined) {
    const message = `Invalid user id '${rejected}'.`;
    return outcome(graphError(400, 'BadRequest', message, ids, clock.wallMs), clientId, parsed.length, 'rejectedId');
  }
  const serverError = injectServerError(context, faults, ids, clock.wallMs);
  if (serverError !== null) return outcome(serverError, clientId, parsed.length, 'serverError');
  return presences(context, faults, resolved, version, ids, clock, clientId);
}

function firstRejected(requested: readonly string[], rejectedIds: readonly string[]): string | undefined {
  if (rejectedIds.length === 0) return undefined;
  const rejected = new Set(rejectedIds.map((id) => id.toLowerCase()));
  return requested.find((id) => rejected.has(id.toLowerCase()));
}

export type AuthResult =
  { ok: true; clientId: string } | { ok: false; reply: Reply; clientId: string | null; fault: string | null };

/** What a bearer check needs: the tokens issued, and the origin for the challenge header. */
export interface BearerContext {
  origin: string;
  tokens: TokenAuthority;
}

/** The bearer token check every Graph route makes first (401 `InvalidAuthenticationToken` in Graph's shape). */
export function authenticateBearer(
  context: BearerContext,
  request: IncomingMessage,
  ids: RequestIds,
  nowMs: number,
): AuthResult {
  const check = context.tokens.check(headerValue(request, 'authorization'), nowMs);
  if (!check.ok)
    return { ok: false, reply: unauthorized(context, ids, check.reason, nowMs), clientId: check.clientId, fault: null };
  return { ok: true, clientId: check.clientId };
}

function authenticate(
  context: PresenceContext,
  request: IncomingMessage,
  ids: RequestIds,
  faults: SimulatorFaults,
  nowMs: number,
): AuthResult {
  const check = authenticateBearer(context, request, ids, nowMs);
  if (!check.ok) return check;
  if (faults.unauthorized) {
    const reply = graphError(
      401,
      'InvalidAuthenticationToken',
      'Access token validation failure. Invalid audience.',
      ids,
      nowMs,
      challenge(context),
    );
    return { ok: false, reply, clientId: check.clientId, fault: 'unauthorized' };
  }
  return { ok: true, clientId: check.clientId };
}

function challenge(context: BearerContext): Record<string, string> {
  return {
    'www-authenticate': `Bearer realm="", authorization_uri="${context.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
  };
}

function unauthorized(
  context: BearerContext,
  ids: RequestIds,
  reason: keyof typeof TOKEN_MESSAGES,
  nowMs: number,
): Reply {
  return graphError(401, 'InvalidAuthenticationToken', TOKEN_MESSAGES[reason], ids, nowMs, challenge(context));
}

function throttled(context: PresenceContext, ids: RequestIds, retryAfterMs: number, nowMs: number): Reply {
  const retryAfter = formatRetryAfter(retryAfterMs, context.budgetOptions.retryAfterFormat);
  return graphError(
    429,
    'TooManyRequests',
    'Too many requests: the application is over its request budget for this tenant. Retry after the interval in the Retry-After header.',
    ids,
    nowMs,
    { 'retry-after': retryAfter },
  );
}

/** The ids, or the message of a 400 when the body is not `{"ids":[string,...]}`. */
function parseIds(body: string): string[] | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';
  }
  const list = typeof value === 'object' && value !== null ? (value as { ids?: unknown }).ids : undefined;
  if (!Array.isArray(list)) return "Missing or invalid value for parameter 'ids'.";
  if (!list.every((id): id is string => typeof id === 'string'))
    return "Invalid value for parameter 'ids': expected strings.";
  return list;
}

function injectServerError(
  context: PresenceContext,
  faults: SimulatorFaults,
  ids: RequestIds,
  nowMs: number,
): Reply | null {
  if (!chance(context.random, faults.serverErrorShare)) return null;
  const status = faults.serverErrorStatuses[randomInt(context.random, faults.serverErrorStatuses.length)] ?? 503;
  const { code, message } = SERVER_ERRORS[status] ?? { code: 'UnknownError', message: 'Server error.' };
  const headers: Record<string, string> = chance(context.random, faults.serverErrorRetryAfterShare)
    ? { 'retry-after': String(faults.serverErrorRetryAfterSeconds) }
    : {};
  return graphError(status, code, message, ids, nowMs, headers);
}
