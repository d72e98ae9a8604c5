/** Just enough JWT (RFC 7519) to sign the simulator's tokens and check client assertions; no JWT dependency. */
import { createHash, sign, verify, constants, type KeyObject } from 'node:crypto';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJsonObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Null for anything that is not three base64url segments with JSON objects in the first two. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = parseJsonObject(headerPart);
  const payload = parseJsonObject(payloadPart);
  if (header === null || payload === null || signaturePart.length === 0) return null;
  return {
    header,
    payload,
    signingInput: `${headerPart}.${payloadPart}`,
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}

/** ES256 with the simulator's EC key (the TLS key): JWS wants the raw r||s signature, not DER. */
export function signEs256(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${base64UrlJson({ ...header, alg: 'ES256' })}.${base64UrlJson(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * Verifies a JWS signature for the algorithms a client assertion may use: MSAL signs certificate assertions with
 * PS256 when given a SHA-256 thumbprint and RS256 for a SHA-1 thumbprint; ES256 is accepted for EC certificates.
 */
export function verifyJwtSignature(jwt: DecodedJwt, key: KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  try {
    switch (jwt.header['alg']) {
      case 'RS256':
        return verify('sha256', data, key, jwt.signature);
      case 'PS256':
        return verify(
          'sha256',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          jwt.signature,
        );
      case 'ES256':
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** The `kid`/`x5t` of a certificate as Entra ID publishes it: base64url SHA-1 of the DER. */
export function certificateThumbprint(derCertificate: Buffer): string {
  return createHash('sha1').update(derCertificate).digest('base64url');
}
