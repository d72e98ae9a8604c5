/**
 * `POST /{v1.0|beta}/communications/getPresencesByUserId`. Checks run in this order: token (401), request budget
 * (429, counted for every authenticated request), permission (403), body (400), injected server errors, presences.
 * Graph does not document its order; this one makes every authenticated call count, as its throttling docs imply.
 * Per-request work is O(ids), never O(users).
 */
import type { IncomingMessage } from 'node:http';
import { formatRetryAfter, type RequestBudget } from './budget.js';
import type { ClientRegistry } from './clients.js';
import { graphError, graphHeaders, requestIds, headerValue, type Reply, type RequestIds } from './http-util.js';
import { MAX_IDS_PER_REQUEST, type BudgetOptions, type SimulatorFaults } from './options.js';
import { ByteWriter } from './byte-writer.js';
import {
  writePresence,
  writeUnknownPresence,
  type SequenceVariant,
  type ServedFields,
  type WriteOptions,
} from './presence-json.js';
import type { PresenceStore } from './presence-store.js';
import { chance, randomInt, type Random } from './random.js';
import type { Recorder } from './recording.js';
import type { TokenAuthority, TokenCheck } from './tokens.js';
import { isGuid, userIndexOf } from './user-ids.js';

export interface PresenceContext {
  origin: string;
  duplicates: DuplicateFilter;
  seed: number;
  store: PresenceStore;
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

/** Initial buffer size per requested id; a typical presence is ~300 bytes, the writer grows if needed. */
const BYTES_PER_PRESENCE = 360;
const COMMA = 44;

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

type AuthResult =
  { ok: true; clientId: string } | { ok: false; reply: Reply; clientId: string | null; fault: string | null };

function authenticate(
  context: PresenceContext,
  request: IncomingMessage,
  ids: RequestIds,
  faults: SimulatorFaults,
  nowMs: number,
): AuthResult {
  const check = context.tokens.check(headerValue(request, 'authorization'), nowMs);
  if (!check.ok)
    return { ok: false, reply: unauthorized(context, ids, check.reason, nowMs), clientId: check.clientId, fault: null };
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

function challenge(context: PresenceContext): Record<string, string> {
  return {
    'www-authenticate': `Bearer realm="", authorization_uri="${context.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
  };
}

function unauthorized(
  context: PresenceContext,
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

type BodyFault = 'malformedJson' | 'truncatedJson' | null;

function drawBodyFault(random: Random, faults: SimulatorFaults): BodyFault {
  if (chance(random, faults.malformedJsonShare)) return 'malformedJson';
  if (chance(random, faults.truncatedJsonShare)) return 'truncatedJson';
  return null;
}

function sequenceVariant(context: PresenceContext, faults: SimulatorFaults, index: number): SequenceVariant {
  const { random, store } = context;
  if (chance(random, faults.missingSequenceShare)) return faults.missingSequenceAs;
  if (!store.hasPrevious(index)) return 'current';
  if (chance(random, faults.olderSequenceShare)) return 'older';
  if (chance(random, faults.repeatedSequenceShare)) return 'repeated';
  return 'current';
}

/**
 * Remembers which users a request already served, without allocating per request: a user was served by the
 * current request when its stamp equals the request's.
 */
export class DuplicateFilter {
  private readonly stamps: Uint32Array;
  private current = 0;

  constructor(userCount: number) {
    this.stamps = new Uint32Array(userCount);
  }

  nextRequest(): void {
    this.current = (this.current + 1) >>> 0;
    if (this.current === 0) {
      this.stamps.fill(0);
      this.current = 1;
    }
  }

  /** True the first time an index is seen in the current request. */
  firstTime(index: number): boolean {
    if (this.stamps[index] === this.current) return false;
    this.stamps[index] = this.current;
    return true;
  }
}

interface ResolvedIds {
  /** Lowercased requested ids. */
  ids: string[];
  /** User index per id; -1 for an id that is no user here. */
  indices: Int32Array;
  firstNotGuid: string | null;
}

/** The GUID syntax check only runs for ids that are no known user: known ids are well-formed by construction. */
function resolveIds(context: PresenceContext, requested: string[]): ResolvedIds {
  const ids = requested.map(lowercaseAscii);
  const indices = new Int32Array(ids.length);
  let firstNotGuid: string | null = null;
  ids.forEach((id, i) => {
    const index = userIndexOf(id, context.store.count, context.seed);
    indices[i] = index;
    if (index < 0 && firstNotGuid === null && !isGuid(id)) firstNotGuid = requested[i] ?? id;
  });
  return { ids, indices, firstNotGuid };
}

function presences(
  context: PresenceContext,
  faults: SimulatorFaults,
  resolved: ResolvedIds,
  version: string,
  ids: RequestIds,
  clock: PresenceClock,
  clientId: string,
): PresenceOutcome {
  const { store, recorder, duplicates } = context;
  const bodyFault = drawBodyFault(context.random, faults);
  const record = recorder.recordServed && bodyFault === null;
  const nowSeconds = Math.floor(clock.wallMs / 1000);
  const served: ServedFields = { availability: '', activity: '', sequenceNumber: null };
  // One options object mutated per user: this loop runs 650 times per request.
  const write: WriteOptions = {
    variant: 'current',
    statusDates: faults.statusMessageDates === 'present',
    served: record ? served : undefined,
  };
  const out = new ByteWriter(BYTES_PER_PRESENCE * (resolved.ids.length + 1));
  out.ascii(
    `{"@odata.context":"${context.origin}/${version}/$metadata#Collection(microsoft.graph.presence)","value":[`,
  );
  // A stray comma after `"value":[` is invalid JSON wherever it lands, unlike random edits that may hit a string.
  if (bodyFault === 'malformedJson') out.byte(COMMA);
  duplicates.nextRequest();
  let count = 0;
  resolved.ids.forEach((id, i) => {
    const index = resolved.indices[i] ?? -1;
    if (index < 0) {
      if (faults.unknownUsers !== 'presenceUnknown' || !isGuid(id)) return;
      if (count++ > 0) out.byte(COMMA);
      writeUnknownPresence(out, id);
      return;
    }
    // Graph answers each user once however often it is asked for.
    if (!duplicates.firstTime(index)) return;
    store.expireStatusIfDue(index, nowSeconds);
    if (count++ > 0) out.byte(COMMA);
    write.variant = sequenceVariant(context, faults, index);
    writePresence(out, store, index, id, write);
    if (record) recorder.servedPresence(id, { ...served, atWallMs: clock.wallMs });
  });
  out.ascii(']}');
  const body = truncateIf(out.finish(), bodyFault, context.random);
  const reply: Reply = { status: 200, headers: graphHeaders(ids), body };
  return {
    reply,
    clientId,
    idsCount: resolved.ids.length,
    presencesServed: bodyFault === null ? count : 0,
    fault: bodyFault,
  };
}

/** Most clients send lowercase ids already; avoid allocating a copy for them. */
function lowercaseAscii(value: string): string {
  return /[A-Z]/.test(value) ? value.toLowerCase() : value;
}

/** Any proper prefix of a JSON object is invalid JSON, so a cut anywhere makes the body unparseable. */
function truncateIf(body: Buffer, fault: BodyFault, random: Random): Buffer {
  if (fault !== 'truncatedJson') return body;
  return body.subarray(0, 1 + randomInt(random, body.length - 1));
}
