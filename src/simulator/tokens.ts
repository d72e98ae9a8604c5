/**
 * Access tokens the simulator issues and the Graph endpoint accepts. Tokens live in a Map because the simulator
 * must know every token it issued to answer "unknown", "expired" and "revoked" the way Graph does; a client
 * normally holds one token per hour, so the Map stays small (expired entries are swept as new ones are issued).
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { signEs256 } from './jwt.js';
import { TokenFaultInjector } from './token-faults.js';

export type TokenFormat = 'jwt' | 'opaque';

export type TokenCheck =
  | { ok: true; clientId: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked'; clientId: string | null };

interface IssuedToken {
  clientId: string;
  expiresAtMs: number;
  serial: number;
}

export interface IssueRequest {
  clientId: string;
  tenantId: string;
  /** The resource part of the requested `<resource>/.default` scope: becomes `aud`. */
  audience: string;
  roles: string[];
  lifetimeSeconds: number;
  nowMs: number;
}

const SWEEP_EVERY = 1024;
const BEARER_PREFIX = /^Bearer\s+/i;

export class TokenAuthority {
  /**
   * The token endpoint's injected faults live with the authority that issues the tokens: it is the one piece of
   * the simulator's state both the token route and the handle reach.
   */
  readonly endpointFaults = new TokenFaultInjector();
  private readonly tokens = new Map<string, IssuedToken>();
  private serial = 0;
  /** Tokens with a serial below this were revoked. */
  private validFromSerial = 0;

  constructor(
    private readonly format: TokenFormat,
    private readonly signingKey: KeyObject,
    private readonly keyId: string,
  ) {}

  issue(request: IssueRequest): string {
    this.serial++;
    if (this.serial % SWEEP_EVERY === 0) this.sweep(request.nowMs);
    const token = this.format === 'jwt' ? this.jwt(request) : randomBytes(48).toString('base64url');
    this.tokens.set(token, {
      clientId: request.clientId,
      expiresAtMs: request.nowMs + request.lifetimeSeconds * 1000,
      serial: this.serial,
    });
    return token;
  }

  /** Shaped like an Entra ID app-only v1 token for Graph so that logs and decoders show familiar claims. */
  private jwt(request: IssueRequest): string {
    const nowSeconds = Math.floor(request.nowMs / 1000);
    const header = { typ: 'JWT', kid: this.keyId, x5t: this.keyId };
    const payload = {
      aud: request.audience,
      // Entra ID issues Graph v1.0-format tokens (Graph's accepted token version); their issuer is the STS host.
      iss: `https://sts.windows.net/${request.tenantId}/`,
      iat: nowSeconds,
      nbf: nowSeconds,
      exp: nowSeconds + request.lifetimeSeconds,
      appid: request.clientId,
      appidacr: '1',
      idtyp: 'app',
      oid: randomUUID(),
      roles: request.roles,
      sub: request.clientId,
      tid: request.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    return signEs256(header, payload, this.signingKey);
  }

  check(authorization: string | undefined, nowMs: number): TokenCheck {
    if (authorization === undefined || !BEARER_PREFIX.test(authorization)) {
      return { ok: false, reason: 'missing', clientId: null };
    }
    const token = authorization.replace(BEARER_PREFIX, '').trim();
    if (token.length === 0) return { ok: false, reason: 'missing', clientId: null };
    const issued = this.tokens.get(token);
    if (issued === undefined) {
      return { ok: false, reason: token.split('.').length === 3 ? 'unknown' : 'malformed', clientId: null };
    }
    if (issued.serial < this.validFromSerial) return { ok: false, reason: 'revoked', clientId: issued.clientId };
    if (nowMs >= issued.expiresAtMs) return { ok: false, reason: 'expired', clientId: issued.clientId };
    return { ok: true, clientId: issued.clientId };
  }

  /** Every token still remembered (expired and revoked ones are forgotten only in sweeps), oldest first. */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  /** Invalidates every token issued so far; tokens issued afterwards work. */
  revokeAll(): void {
    this.validFromSerial = this.serial + 1;
  }

  private sweep(nowMs: number): void {
    for (const [token, issued] of this.tokens) {
      if (issued.expiresAtMs <= nowMs || issued.serial < this.validFromSerial) this.tokens.delete(token);
    }
  }
}
