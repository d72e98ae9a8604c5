import { constants, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  base64UrlJson,
  certificateThumbprint,
  decodeJwt,
  signEs256,
  verifyJwtSignature,
} from '../../src/simulator/jwt.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

function rsaJwt(alg: 'RS256' | 'PS256'): string {
  const input = `${base64UrlJson({ alg })}.${base64UrlJson({ sub: 'x' })}`;
  const signature =
    alg === 'RS256'
      ? sign('sha256', Buffer.from(input), rsa.privateKey)
      : sign('sha256', Buffer.from(input), {
          key: rsa.privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        });
  return `${input}.${signature.toString('base64url')}`;
}

describe('jwt', () => {
  it('signs ES256 tokens that decode to their header and payload and verify with the public key', () => {
    const token = signEs256({ kid: 'k1' }, { sub: 'app', n: 1 }, ec.privateKey);
    const decoded = decodeJwt(token);
    expect(decoded?.header).toEqual({ kid: 'k1', alg: 'ES256' });
    expect(decoded?.payload).toEqual({ sub: 'app', n: 1 });
    // Raw r||s, not DER: 64 bytes for P-256.
    expect(decoded?.signature).toHaveLength(64);
    expect(decoded !== null && verifyJwtSignature(decoded, ec.publicKey)).toBe(true);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(decoded !== null && verifyJwtSignature(decoded, other)).toBe(false);
  });

  it('verifies RS256 and PS256 and refuses other algorithms and mismatched keys', () => {
    for (const alg of ['RS256', 'PS256'] as const) {
      const decoded = decodeJwt(rsaJwt(alg));
      expect(decoded !== null && verifyJwtSignature(decoded, rsa.publicKey)).toBe(true);
      // An EC key for an RSA signature throws inside node:crypto; that must read as "not verified".
      expect(decoded !== null && verifyJwtSignature(decoded, ec.publicKey)).toBe(false);
    }
    const none = decodeJwt(`${base64UrlJson({ alg: 'none' })}.${base64UrlJson({})}.AAAA`);
    expect(none !== null && verifyJwtSignature(none, rsa.publicKey)).toBe(false);
  });

  it('decodes only three segments with JSON objects in the first two and a signature', () => {
    const header = base64UrlJson({ alg: 'ES256' });
    const payload = base64UrlJson({ a: 1 });
    expect(decodeJwt(`${header}.${payload}`)).toBeNull();
    expect(decodeJwt(`${header}.${payload}.`)).toBeNull();
    expect(decodeJwt(`${header}.${base64UrlJson([1, 2])}.AAAA`)).toBeNull();
    expect(decodeJwt(`${header}.${Buffer.from('not json').toString('base64url')}.AAAA`)).toBeNull();
    expect(decodeJwt(`${header}.${payload}.AAAA.extra`)).toBeNull();
    expect(decodeJwt(`${header}.${payload}.AAAA`)?.signingInput).toBe(`${header}.${payload}`);
  });

  it('thumbprints a certificate as base64url SHA-1 of its DER', () => {
    const der = Buffer.from('certificate bytes');
    const expected = createHash('sha1').update(der).digest('base64url');
    expect(certificateThumbprint(der)).toBe(expected);
    expect(certificateThumbprint(der)).toMatch(/^[A-Za-z0-9_-]{27}$/);
  });
});
