/**
 * Options of the Graph simulator: one zod schema holds validation and defaults; the documented interfaces are the
 * public contract and are checked against the schema at compile time (see the `satisfies` clauses), so they
 * cannot drift apart.
 */
import { z } from 'zod';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { directorySchema, type DirectoryOptionsInput } from './directory-options.js';
import { tokenFaultsSchema, type TokenEndpointFaults } from './token-faults.js';

/** Added to every presence response before it is sent. */
export type LatencySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Normal-ish: a normal draw clamped at 0, for long-tail-free jitter around a mean. */
  | { kind: 'normal'; meanMs: number; stdDevMs: number };

export type ServerErrorStatus = 500 | 503 | 504;

/**
 * Fault injection on the presence endpoint. Shares are probabilities in [0, 1]: per request for whole-response
 * faults, per served user for sequence-number faults. All off by default. Change at run time with `setFaults`.
 */
export interface SimulatorFaults {
  /** null: answer as fast as possible. */
  latency: LatencySpec | null;
  /** Share of presence requests answered with one of `serverErrorStatuses` (chosen uniformly). */
  serverErrorShare: number;
  serverErrorStatuses: ServerErrorStatus[];
  /** Share of those server errors that carry a Retry-After header. */
  serverErrorRetryAfterShare: number;
  /** The Retry-After value (seconds, may be fractional) sent with a server error. */
  serverErrorRetryAfterSeconds: number;
  /** Share of 200 responses whose body is not valid JSON (a stray comma after `"value":[`). */
  malformedJsonShare: number;
  /** Share of 200 responses whose body is cut short (Content-Length matches the cut body). */
  truncatedJsonShare: number;
  /** An id that is not a GUID: `badRequest` fails the whole request with 400 and Graph's error body; `omit` skips it. */
  nonGuidIds: 'badRequest' | 'omit';
  /**
   * GUIDs that fail the whole request with 400 and Graph's error body whenever they are in it, as Graph has been
   * seen to do for ids it will not serve: lets a test check that a client isolates them. Compared lowercase.
   */
  rejectedIds: string[];
  /** A GUID that is no user here: `omit` leaves it out of `value`; `presenceUnknown` answers PresenceUnknown. */
  unknownUsers: 'omit' | 'presenceUnknown';
  /** Share of served users (with a change history) given their previous sequence number and current state. */
  repeatedSequenceShare: number;
  /** Share of served users (with a change history) given their previous state and sequence number (stale read). */
  olderSequenceShare: number;
  /** Share of served users without a sequence number. */
  missingSequenceShare: number;
  /** How a missing sequence number is written: `"sequenceNumber":null` or no property at all. */
  missingSequenceAs: 'null' | 'absent';
  /**
   * `present` (default): status messages carry publishedDateTime and expiryDateTime. `absent`: only `message`, as
   * Graph documents for reading another user's presence (which app-only reads always are).
   */
  statusMessageDates: 'present' | 'absent';
  /** Answer every presence request with 403 (the app lacks Presence.Read.All). */
  forbidden: boolean;
  /** Answer every presence request with 401 InvalidAuthenticationToken, whatever the token. */
  unauthorized: boolean;
}

export interface BudgetOptions {
  /** Requests admitted per window per app per tenant. Graph's presence pages say 1,500 per 30 s. */
  requests: number;
  windowSeconds: number;
  /** `sliding` (default): any `windowSeconds` span; `fixed`: windows aligned on the simulator's start. */
  window: 'sliding' | 'fixed';
  /** `decimal` (default) as Graph sends it (`2.128`); `integer` rounds up. */
  retryAfterFormat: 'decimal' | 'integer';
}

/** Another application registered in the simulated tenant. */
export interface SimulatedClientOptions {
  clientId: string;
  clientSecret?: string;
  /** PEM certificate or public key that client assertions must be signed with; absent: any well-formed assertion. */
  certificatePem?: string;
  /** False: tokens work but the presence endpoint answers 403, as for an app without Presence.Read.All. */
  hasPresencePermission?: boolean;
}

export interface GraphSimulatorOptions {
  /** 0 (default): a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default true. MSAL only accepts an https authority, so with false only the Graph endpoint is usable by MSAL-free clients. */
  tls?: boolean;
  /** Reuse a key and certificate (PEM) instead of generating one, e.g. to keep a CA file valid across restarts. */
  tlsCertificate?: { keyPem: string; certPem: string };
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** PEM certificate or public key for the main client's assertions; absent: any well-formed assertion. */
  clientCertificatePem?: string;
  /** Default true. False: the main client gets 403 from the presence endpoint. */
  hasPresencePermission?: boolean;
  additionalClients?: SimulatedClientOptions[];
  /** Default 1,000; at most 5,000,000. */
  userCount?: number;
  /** Seeds ids, the initial population, churn and fault draws. Default 1. */
  seed?: number;
  /** Share of users changing per minute of wall time (0.03 = 3 % a minute). Default 0.03. */
  changesPerMinuteShare?: number;
  /** Default true. False: presence only changes through tick/changeUsers/setPresence, for deterministic tests. */
  autoChurn?: boolean;
  /** `expires_in` of issued tokens. Default 3599 (as Entra ID). */
  tokenLifetimeSeconds?: number;
  /** Default `jwt` (ES256-signed, Entra-like claims); `opaque`: random strings. */
  tokenFormat?: 'jwt' | 'opaque';
  budget?: Partial<BudgetOptions>;
  faults?: Partial<SimulatorFaults>;
  /** Faults of the token endpoint (token-faults.ts); change at run time with `setTokenFaults`. */
  tokenFaults?: Partial<TokenEndpointFaults>;
  /** Record every presence served in a 200, per user. Default false: at 1M users this grows without bound. */
  recordServedPresences?: boolean;
  /** Requests kept in `recording.requests()` (oldest dropped first). Default 100,000. */
  maxRecordedRequests?: number;
  /** The Entra ID directory: users' attributes, groups, delta queries, their budget and faults (directory-options.ts). */
  directory?: DirectoryOptionsInput;
}

export const DEFAULT_TENANT_ID = '6f1d3c9a-2b4e-4f8a-9c7d-5e3b1a0f2d4c';
export const DEFAULT_CLIENT_ID = 'b8e4f2a1-7c3d-4e5f-8a9b-0c1d2e3f4a5b';
export const DEFAULT_CLIENT_SECRET = 'simulator~secret.NOT-FOR-PRODUCTION_0123456789';
export const MAX_USERS = 5_000_000;
export const DEFAULT_SEED = 1;
export const DEFAULT_CHANGES_PER_MINUTE_SHARE = 0.03;
export const DEFAULT_BUDGET_REQUESTS = 1500;
export const DEFAULT_BUDGET_WINDOW_SECONDS = 30;
/** Graph's documented maximum of ids per getPresencesByUserId request. */
export const MAX_IDS_PER_REQUEST = 650;

const share = z.number().min(0).max(1);
const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
const nonNegativeMs = z.number().min(0).max(600_000);

const latencySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), ms: nonNegativeMs }).strict(),
  z
    .object({ kind: z.literal('uniform'), minMs: nonNegativeMs, maxMs: nonNegativeMs })
    .strict()
    .refine((value) => value.minMs <= value.maxMs, { message: 'minMs must not exceed maxMs', path: ['maxMs'] }),
  z.object({ kind: z.literal('normal'), meanMs: nonNegativeMs, stdDevMs: nonNegativeMs }).strict(),
]);

export const faultsSchema = z
  .object({
    latency: latencySchema.nullable().default(null),
    serverErrorShare: share.default(0),
    serverErrorStatuses: z
      .array(z.union([z.literal(500), z.literal(503), z.literal(504)]))
      .min(1)
      .default([500, 503, 504]),
    serverErrorRetryAfterShare: share.default(0.5),
    serverErrorRetryAfterSeconds: z.number().min(0).max(3600).default(1.5),
    malformedJsonShare: share.default(0),
    truncatedJsonShare: share.default(0),
    nonGuidIds: z.enum(['badRequest', 'omit']).default('badRequest'),
    rejectedIds: z.array(z.string()).default([]),
    unknownUsers: z.enum(['omit', 'presenceUnknown']).default('omit'),
    repeatedSequenceShare: share.default(0),
    olderSequenceShare: share.default(0),
    missingSequenceShare: share.default(0),
    missingSequenceAs: z.enum(['null', 'absent']).default('null'),
    statusMessageDates: z.enum(['present', 'absent']).default('present'),
    forbidden: z.boolean().default(false),
    unauthorized: z.boolean().default(false),
  })
  .strict() satisfies z.ZodType<SimulatorFaults, Partial<SimulatorFaults>>;

const budgetSchema = z
  .object({
    requests: z.number().int().min(1).max(10_000_000).default(DEFAULT_BUDGET_REQUESTS),
    windowSeconds: z.number().gt(0).max(86_400).default(DEFAULT_BUDGET_WINDOW_SECONDS),
    window: z.enum(['sliding', 'fixed']).default('sliding'),
    retryAfterFormat: z.enum(['decimal', 'integer']).default('decimal'),
  })
  .strict() satisfies z.ZodType<BudgetOptions, Partial<BudgetOptions>>;

const clientSchema = z
  .object({
    clientId: guid,
    clientSecret: z.string().min(1).optional(),
    certificatePem: z.string().includes('-----BEGIN').optional(),
    hasPresencePermission: z.boolean().default(true),
  })
  .strict();

const optionsSchema = z
  .object({
    port: z.number().int().min(0).max(65_535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    tls: z.boolean().default(true),
    tlsCertificate: z
      .object({ keyPem: z.string().includes('-----BEGIN'), certPem: z.string().includes('-----BEGIN CERTIFICATE') })
      .strict()
      .optional(),
    tenantId: guid.default(DEFAULT_TENANT_ID),
    clientId: guid.default(DEFAULT_CLIENT_ID),
    clientSecret: z.string().min(1).default(DEFAULT_CLIENT_SECRET),
    clientCertificatePem: z.string().includes('-----BEGIN').optional(),
    hasPresencePermission: z.boolean().default(true),
    additionalClients: z.array(clientSchema).default([]),
    userCount: z.number().int().min(1).max(MAX_USERS).default(1000),
    seed: z.number().int().min(0).max(0xffffffff).default(DEFAULT_SEED),
    changesPerMinuteShare: z.number().min(0).max(60).default(DEFAULT_CHANGES_PER_MINUTE_SHARE),
    autoChurn: z.boolean().default(true),
    tokenLifetimeSeconds: z.number().int().min(1).max(86_400).default(3599),
    tokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
    budget: budgetSchema.prefault({}),
    faults: faultsSchema.prefault({}),
    tokenFaults: tokenFaultsSchema.prefault({}),
    recordServedPresences: z.boolean().default(false),
    maxRecordedRequests: z.number().int().min(0).max(10_000_000).default(100_000),
    directory: directorySchema.prefault({}),
  })
  .strict()
  .refine((options) => !options.additionalClients.some((client) => sameGuid(client.clientId, options.clientId)), {
    message: 'an additional client must not reuse the main clientId',
    path: ['additionalClients'],
  })
  .refine((options) => (options.directory.initialUsers ?? 0) <= options.userCount, {
    message: 'must not exceed userCount',
    path: ['directory', 'initialUsers'],
  })
  .refine(
    (options) => {
      const existing = options.directory.initialUsers ?? options.userCount;
      return (options.directory.groupLayout ?? []).every((group) => (group.users ?? []).every((u) => u < existing));
    },
    { message: 'lists a user index that does not exist at start', path: ['directory', 'groupLayout'] },
  );

function sameGuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export type ResolvedSimulatorOptions = z.output<typeof optionsSchema>;

function invalid(error: z.ZodError, what: string, root: string): ConnectorError {
  const problems = error.issues.map((issue) => `${[root, ...issue.path].join('.')}: ${issue.message}`);
  return new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Invalid ${what}: ${problems.join('; ')}`, {
    details: { problems },
  });
}

/** Applies defaults; throws ConnectorError SIMULATOR_INVALID_OPTIONS naming every bad path. */
export function resolveSimulatorOptions(options: GraphSimulatorOptions): ResolvedSimulatorOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalid(parsed.error, 'simulator options', 'options');
  return parsed.data;
}

/** Merges a partial change into the current faults and validates the result as a whole. */
export function mergeFaults(current: SimulatorFaults, change: Partial<SimulatorFaults>): SimulatorFaults {
  const parsed = faultsSchema.safeParse({ ...current, ...change });
  if (!parsed.success) throw invalid(parsed.error, 'simulator faults', 'faults');
  return parsed.data;
}
