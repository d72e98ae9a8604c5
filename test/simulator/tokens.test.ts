import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJwt, verifyJwtSignature } from '../../src/simulator/jwt.js';
import { TokenAuthority, type IssueRequest } from '../../src/simulator/tokens.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const NOW = 1_700_000_000_000;

function request(overrides: Partial<IssueRequest> = {}): IssueRequest {
  return {
    clientId: 'client-a',
    tenantId: 'tenant-1',
    audience: 'https://graph.microsoft.com',
    roles: ['Presence.Read.All'],
    lifetimeSeconds: 60,
    nowMs: NOW,
    ...overrides,
  };
}

describe('TokenAuthority', () => {
  it('issues JWTs with app-only claims, signed with the given key and key id', () => {
    const authority = new TokenAuthority('jwt', key.privateKey, 'kid-1');
    const decoded = decodeJwt(authority.issue(request()));
    expect(decoded?.header).toMatchObject({ typ: 'JWT', kid: 'kid-1', alg: 'ES256' });
    expect(decoded?.payload).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: 'https://sts.windows.net/tenant-1/',
      appid: 'client-a',
      tid: 'tenant-1',
      roles: ['Presence.Read.All'],
      exp: NOW / 1000 + 60,
    });
    expect(decoded !== null && verifyJwtSignature(decoded, key.publicKey)).toBe(true);
  });

  it('accepts its tokens until they expire, with any case of "Bearer"', () => {
    const authority = new TokenAuthority('opaque', key.privateKey, 'kid');
    const token = authority.issue(request());
    expect(token.split('.')).toHaveLength(1);
    expect(authority.check(`Bearer ${token}`, NOW)).toEqual({ ok: true, clientId: 'client-a' });
    expect(authority.check(`bearer   ${token}`, NOW + 59_999)).toEqual({ ok: true, clientId: 'client-a' });
    expect(authority.check(`Bearer ${token}`, NOW + 60_000)).toEqual({
      ok: false,
      reason: 'expired',
      clientId: 'client-a',
    });
  });

  it('tells missing, malformed and unknown tokens apart', () => {
    const authority = new TokenAuthority('jwt', key.privateKey, 'kid');
    expect(authority.check(undefined, NOW)).toMatchObject({ ok: false, reason: 'missing' });
    expect(authority.check('Basic abc', NOW)).toMatchObject({ ok: false, reason: 'missing' });
    expect(authority.check('Bearer   ', NOW)).toMatchObject({ ok: false, reason: 'missing' });
    expect(authority.check('Bearer abc', NOW)).toMatchObject({ ok: false, reason: 'malformed', clientId: null });
    expect(authority.check('Bearer a.b.c', NOW)).toMatchObject({ ok: false, reason: 'unknown', clientId: null });
  });

  it('revokes every token issued so far and lists the issued ones', () => {
    const authority = new TokenAuthority('opaque', key.privateKey, 'kid');
    const first = authority.issue(request());
    const second = authority.issue(request({ clientId: 'client-b' }));
    authority.revokeAll();
    const third = authority.issue(request());
    expect(authority.check(`Bearer ${first}`, NOW)).toEqual({ ok: false, reason: 'revoked', clientId: 'client-a' });
    expect(authority.check(`Bearer ${second}`, NOW)).toEqual({ ok: false, reason: 'revoked', clientId: 'client-b' });
    expect(authority.check(`Bearer ${third}`, NOW)).toEqual({ ok: true, clientId: 'client-a' });
    expect(authority.issuedTokens()).toEqual([first, second, third]);
  });

  it('forgets expired tokens as new ones are issued', () => {
    const authority = new TokenAuthority('opaque', key.privateKey, 'kid');
    const old = authority.issue(request({ lifetimeSeconds: 1 }));
    // The sweep runs every 1024 issues; by then the first token has long expired.
    for (let i = 1; i < 1024; i++) authority.issue(request({ nowMs: NOW + 10_000 }));
    expect(authority.issuedTokens()).not.toContain(old);
    expect(authority.issuedTokens()).toHaveLength(1023);
  });
});
