/**
 * The state tokens of `@odata.nextLink` (`$skiptoken`) and `@odata.deltaLink` (`$deltatoken`). Graph's are opaque;
 * these carry the round's state in base64url JSON (the simulator keeps no per-client session, so a connector
 * restart can resume from a stored link) with a MAC, so a client that edits or invents one gets a 400 rather than
 * a silently different round. Tokens remember when their round started (for the seven-day lifetime) and the
 * generation they were issued in (for `expireDeltaLinks()`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const MAC_LENGTH = 16;

const common = {
  /** Graph version of the request that started the round. */
  version: z.enum(['v1.0', 'beta']),
  /** The `$select` of the round, as given (null: none). */
  select: z.string().nullable(),
  /** Wall time the round started (skip tokens) or the delta link was issued (delta tokens). */
  issuedAtMs: z.number(),
  generation: z.number().int(),
};

const deltaFields = {
  phase: z.enum(['skip', 'delta']),
  /** Changes after this directory serial belong to the round; 0 with `full`: every existing object. */
  since: z.number().int().min(0),
  /** The serial when the round started: the watermark of the delta link that ends it. */
  until: z.number().int().min(0),
  full: z.boolean(),
  /** The previous page was an injected empty one: this one is not, so a round always ends. */
  emptied: z.boolean(),
};

const usersToken = z
  .object({ kind: z.literal('users'), ...common, ...deltaFields, cursor: z.number().int().min(0) })
  .strict();

const groupsToken = z
  .object({
    kind: z.literal('groups'),
    ...common,
    ...deltaFields,
    /** Group indices from `$filter`; null: every group. */
    filter: z.array(z.number().int().min(0)).nullable(),
    /** Position in the round's list of groups. */
    groupCursor: z.number().int().min(0),
    /** The next member reference to serve in that group. */
    memberCursor: z.number().int().min(0),
  })
  .strict();

const listToken = z
  .object({
    kind: z.literal('list'),
    ...common,
    group: z.number().int().min(0),
    transitive: z.boolean(),
    /** The next member reference to serve. */
    after: z.number().int().min(0),
  })
  .strict();

const tokenSchema = z.discriminatedUnion('kind', [usersToken, groupsToken, listToken]);

export type UsersDeltaState = z.infer<typeof usersToken>;
export type GroupsDeltaState = z.infer<typeof groupsToken>;
export type ListState = z.infer<typeof listToken>;
export type TokenState = z.infer<typeof tokenSchema>;

/** An expired token still tells what its round asked for (`$select`, `$filter`), to start it over. */
export type TokenCheck<T> =
  { ok: true; state: T } | { ok: false; reason: 'malformed' } | { ok: false; reason: 'expired'; state: T };

export class DeltaTokenCodec {
  private readonly key = randomBytes(32);
  /** Tokens of an earlier generation are expired (`expireAll`). */
  private generation = 0;

  constructor(private readonly lifetimeMs: number) {}

  get currentGeneration(): number {
    return this.generation;
  }

  encode(state: TokenState): string {
    const payload = Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /**
   * Reads a token of the expected kind. Delta tokens and the skip tokens of delta rounds expire with their round;
   * listing skip tokens only with `expireAll`.
   */
  decode<K extends TokenState['kind']>(
    token: string,
    kind: K,
    nowMs: number,
  ): TokenCheck<Extract<TokenState, { kind: K }>> {
    const [payload, mac, extra] = token.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined || !this.macMatches(payload, mac)) {
      return { ok: false, reason: 'malformed' };
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const parsed = tokenSchema.safeParse(value);
    if (!parsed.success || parsed.data.kind !== kind) return { ok: false, reason: 'malformed' };
    const state = parsed.data as Extract<TokenState, { kind: K }>;
    if (state.generation < this.generation) return { ok: false, reason: 'expired', state };
    if (state.kind !== 'list' && nowMs - state.issuedAtMs > this.lifetimeMs) {
      return { ok: false, reason: 'expired', state };
    }
    return { ok: true, state };
  }

  /** Every token issued so far answers as expired; new rounds get working ones. */
  expireAll(): void {
    this.generation++;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, MAC_LENGTH);
  }

  private macMatches(payload: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
