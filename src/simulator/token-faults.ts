/**
 * Fault injection on the token endpoint (`POST /{tenant}/oauth2/v2.0/token`): what Entra ID does on a bad day.
 * Shares are probabilities in [0, 1] per token request, each drawn on its own; all off by default. The error bodies
 * have Entra ID's documented shape (`error`, `error_description` starting with the AADSTS code and ending with the
 * trace id, correlation id and timestamp, `error_codes`, `timestamp`, `trace_id`, `correlation_id`).
 */
import { z } from 'zod';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { aadError, type Reply } from './http-util.js';
import { chance, randomInt, type Random } from './random.js';

export type TokenServerErrorStatus = 500 | 503 | 504;

export interface TokenEndpointFaults {
  /** Added to every token answer (success or error), in milliseconds: a slow Entra ID. 0: none. */
  delayMs: number;
  /** Share of token requests answered with one of `serverErrorStatuses` (chosen uniformly). */
  serverErrorShare: number;
  serverErrorStatuses: TokenServerErrorStatus[];
  /** Share of those server errors that carry a Retry-After header. */
  serverErrorRetryAfterShare: number;
  /** The Retry-After (whole seconds) sent with a server error. */
  serverErrorRetryAfterSeconds: number;
  /** Share of token requests answered 429 with Retry-After (Entra ID's throttling of client credentials). */
  throttleShare: number;
  /** The Retry-After (whole seconds) sent with a 429; Entra ID sends 60. */
  throttleRetryAfterSeconds: number;
  /** Share of successful token answers whose body is not JSON (an HTML error page from a proxy in between). */
  notJsonShare: number;
  /** Share of successful token answers that are JSON without `access_token`. */
  missingAccessTokenShare: number;
}

const share = z.number().min(0).max(1);
const seconds = z.number().int().min(0).max(3600);

export const tokenFaultsSchema = z
  .object({
    delayMs: z.number().min(0).max(600_000).default(0),
    serverErrorShare: share.default(0),
    serverErrorStatuses: z
      .array(z.union([z.literal(500), z.literal(503), z.literal(504)]))
      .min(1)
      .default([500, 503, 504]),
    serverErrorRetryAfterShare: share.default(0.5),
    serverErrorRetryAfterSeconds: seconds.default(2),
    throttleShare: share.default(0),
    throttleRetryAfterSeconds: seconds.default(60),
    notJsonShare: share.default(0),
    missingAccessTokenShare: share.default(0),
  })
  .strict() satisfies z.ZodType<TokenEndpointFaults, Partial<TokenEndpointFaults>>;

export const NO_TOKEN_FAULTS: TokenEndpointFaults = tokenFaultsSchema.parse({});

/** Merges a partial change into the current token faults; throws SIMULATOR_INVALID_OPTIONS naming every bad path. */
export function mergeTokenFaults(
  current: TokenEndpointFaults,
  change: Partial<TokenEndpointFaults>,
): TokenEndpointFaults {
  const parsed = tokenFaultsSchema.safeParse({ ...current, ...change });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${['tokenFaults', ...issue.path].join('.')}: ${issue.message}`);
  throw new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Invalid token faults: ${problems.join('; ')}`, {
    details: { problems },
  });
}

/** A fault that replaces the answer before the request is looked at (as Entra ID's front end would). */
export interface TokenFaultReply {
  reply: Reply;
  fault: string;
}

export type CorruptSuccess = 'not-json' | 'no-access-token' | null;

/** Holds the current token faults and draws them, per request, from its own seeded random source. */
export class TokenFaultInjector {
  private current: TokenEndpointFaults = NO_TOKEN_FAULTS;
  private random: Random = () => 0.5;

  configure(faults: TokenEndpointFaults, random: Random): void {
    this.current = faults;
    this.random = random;
  }

  get faults(): TokenEndpointFaults {
    return this.current;
  }

  /** Merges and validates a change; throws (and changes nothing) if the result is invalid. */
  change(change: Partial<TokenEndpointFaults>): void {
    this.current = mergeTokenFaults(this.current, change);
  }

  /** 429 or 5xx for this request, or null: the request is then answered on its merits. */
  rejectEarly(correlationId: string, nowMs: number): TokenFaultReply | null {
    const faults = this.current;
    if (chance(this.random, faults.throttleShare)) {
      const reply = aadError(
        429,
        'temporarily_unavailable',
        90055,
        'There are too many incoming requests. Please try again later.',
        correlationId,
        nowMs,
      );
      reply.headers['retry-after'] = String(faults.throttleRetryAfterSeconds);
      return { reply, fault: 'token-throttled' };
    }
    if (!chance(this.random, faults.serverErrorShare)) return null;
    const statuses = faults.serverErrorStatuses;
    const status = statuses[randomInt(this.random, statuses.length)] ?? 503;
    const reply =
      status === 500
        ? aadError(500, 'server_error', 50000, 'There was an error issuing a token.', correlationId, nowMs)
        : aadError(
            status,
            'temporarily_unavailable',
            90033,
            'A transient error has occurred. Please try again.',
            correlationId,
            nowMs,
          );
    const withRetryAfter = chance(this.random, faults.serverErrorRetryAfterShare);
    if (withRetryAfter) reply.headers['retry-after'] = String(faults.serverErrorRetryAfterSeconds);
    return { reply, fault: `token-server-error${withRetryAfter ? '-retry-after' : ''}` };
  }

  /** How a successful answer is spoilt, if at all. */
  corruptSuccess(): CorruptSuccess {
    if (chance(this.random, this.current.notJsonShare)) return 'not-json';
    if (chance(this.random, this.current.missingAccessTokenShare)) return 'no-access-token';
    return null;
  }
}

/** What a proxy or a broken front end answers instead of JSON. */
export const NOT_JSON_BODY =
  '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Sign-in is unavailable.</body></html>';
