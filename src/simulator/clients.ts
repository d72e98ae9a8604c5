/**
 * The applications registered in the simulated tenant and how a token request proves to be one of them: a client
 * secret (form field or HTTP Basic) or a client assertion (RFC 7523 JWT, as MSAL builds from a certificate).
 */
import { createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { decodeJwt, verifyJwtSignature } from './jwt.js';

export interface RegisteredClient {
  clientId: string;
  secret: string | null;
  /** null: any well-formed assertion is accepted (no certificate configured). */
  assertionKey: KeyObject | null;
  hasPresencePermission: boolean;
}

export interface ClientCredentials {
  clientId: string;
  secret?: string;
  assertion?: string;
  assertionType?: string;
}

export type ClientAuthResult =
  { ok: true; client: RegisteredClient } | { ok: false; status: number; error: string; aadsts: number; text: string };

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra ID tolerates this much clock skew on assertion times. */
const SKEW_SECONDS = 300;

export function publicKeyFromPem(pem: string, path: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new ConnectorError(
      ErrorCodes.SIMULATOR_INVALID_OPTIONS,
      `Invalid simulator options: ${path} is not a PEM certificate or public key`,
      {
        cause,
        details: { path },
      },
    );
  }
}

export class ClientRegistry {
  private readonly byId = new Map<string, RegisteredClient>();

  register(client: RegisteredClient): void {
    this.byId.set(client.clientId.toLowerCase(), client);
  }

  find(clientId: string): RegisteredClient | undefined {
    return this.byId.get(clientId.toLowerCase());
  }

  authenticate(credentials: ClientCredentials, tokenEndpoint: string, nowSeconds: number): ClientAuthResult {
    const client = this.find(credentials.clientId);
    if (client === undefined) {
      return failure(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${credentials.clientId}' was not found in the directory 'Simulated tenant'.`,
      );
    }
    if (credentials.secret !== undefined) return checkSecret(client, credentials.secret);
    if (credentials.assertion !== undefined) return checkAssertion(client, credentials, tokenEndpoint, nowSeconds);
    return failure(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
}

function failure(status: number, error: string, aadsts: number, text: string): ClientAuthResult {
  return { ok: false, status, error, aadsts, text };
}

function checkSecret(client: RegisteredClient, secret: string): ClientAuthResult {
  if (client.secret !== null && safeEqual(client.secret, secret)) return { ok: true, client };
  return failure(
    401,
    'invalid_client',
    7000215,
    `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
  );
}

function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkAssertion(
  client: RegisteredClient,
  credentials: ClientCredentials,
  tokenEndpoint: string,
  nowSeconds: number,
): ClientAuthResult {
  if (credentials.assertionType !== JWT_BEARER) {
    return failure(
      400,
      'invalid_request',
      700011,
      `Unsupported client assertion type '${credentials.assertionType ?? ''}'.`,
    );
  }
  const jwt = decodeJwt(credentials.assertion ?? '');
  if (jwt === null) return failure(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
  const { iss, sub, aud, exp, nbf } = jwt.payload;
  if (iss !== client.clientId || sub !== client.clientId) {
    return failure(
      401,
      'invalid_client',
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter.",
    );
  }
  if (!audienceMatches(aud, tokenEndpoint)) {
    return failure(
      401,
      'invalid_client',
      700212,
      `Client assertion audience claim does not match Realm issuer. Expected '${tokenEndpoint}'.`,
    );
  }
  if (
    typeof exp !== 'number' ||
    exp + SKEW_SECONDS < nowSeconds ||
    (typeof nbf === 'number' && nbf - SKEW_SECONDS > nowSeconds)
  ) {
    return failure(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
  }
  if (client.assertionKey !== null && !verifyJwtSignature(jwt, client.assertionKey)) {
    return failure(401, 'invalid_client', 700027, 'Client assertion contains an invalid signature.');
  }
  return { ok: true, client };
}

/** MSAL puts the token endpoint in `aud` (RFC 7523 section 3); a query string there is ignored. */
function audienceMatches(aud: unknown, tokenEndpoint: string): boolean {
  const audiences = Array.isArray(aud) ? aud : [aud];
  return audiences.some((value) => typeof value === 'string' && value.split('?')[0] === tokenEndpoint);
}
