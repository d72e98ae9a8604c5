import { generateKeyPairSync } from 'node:crypto';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { ClientRegistry, publicKeyFromPem, type ClientAuthResult } from '../../src/simulator/clients.js';
import { signEs256 } from '../../src/simulator/jwt.js';

const ENDPOINT = 'https://127.0.0.1:1/tenant/oauth2/v2.0/token';
const NOW = 1_700_000_000;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function registry(): ClientRegistry {
  const clients = new ClientRegistry();
  clients.register({ clientId: 'APP-1', secret: 's3cret', assertionKey: key.publicKey, hasPresencePermission: true });
  return clients;
}

function assertion(claims: Record<string, unknown>, signingKey = key.privateKey): string {
  return signEs256({}, { iss: 'APP-1', sub: 'APP-1', aud: ENDPOINT, exp: NOW + 600, ...claims }, signingKey);
}

function aadsts(result: ClientAuthResult): number | 'ok' {
  return result.ok ? 'ok' : result.aadsts;
}

describe('ClientRegistry', () => {
  let certificatePem: string;
  beforeAll(async () => {
    certificatePem = (await generate([{ name: 'commonName', value: 'client' }], { keySize: 2048 })).cert;
  });

  it('finds clients case-insensitively and checks secrets', () => {
    const clients = registry();
    expect(clients.find('app-1')?.clientId).toBe('APP-1');
    expect(aadsts(clients.authenticate({ clientId: 'app-1', secret: 's3cret' }, ENDPOINT, NOW))).toBe('ok');
    expect(aadsts(clients.authenticate({ clientId: 'app-1', secret: 's3cre' }, ENDPOINT, NOW))).toBe(7000215);
    const unknown = clients.authenticate({ clientId: 'other', secret: 's3cret' }, ENDPOINT, NOW);
    expect(unknown).toMatchObject({ ok: false, status: 400, error: 'unauthorized_client', aadsts: 700016 });
    expect(aadsts(clients.authenticate({ clientId: 'app-1' }, ENDPOINT, NOW))).toBe(7000218);
  });

  it('checks assertion type, shape, subject, audience, time and signature', () => {
    const clients = registry();
    const check = (jwt: string, type = JWT_BEARER): number | 'ok' =>
      aadsts(clients.authenticate({ clientId: 'APP-1', assertion: jwt, assertionType: type }, ENDPOINT, NOW));
    expect(check(assertion({}))).toBe('ok');
    expect(check(assertion({ aud: [`${ENDPOINT}?x=1`] }))).toBe('ok');
    expect(check(assertion({}), 'password')).toBe(700011);
    expect(check('not-a-jwt')).toBe(50027);
    expect(check(assertion({ sub: 'someone-else' }))).toBe(700021);
    expect(check(assertion({ aud: 'https://elsewhere/token' }))).toBe(700212);
    // Five minutes of clock skew are tolerated either way.
    expect(check(assertion({ exp: NOW - 299 }))).toBe('ok');
    expect(check(assertion({ exp: NOW - 301 }))).toBe(700024);
    expect(check(assertion({ nbf: NOW + 301 }))).toBe(700024);
    expect(check(assertion({ exp: 'soon' }))).toBe(700024);
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(check(assertion({}, otherKey))).toBe(700027);
  });

  it('reads a public key from a certificate and names the option of a bad one', () => {
    expect(publicKeyFromPem(certificatePem, 'options.x').asymmetricKeyType).toBe('rsa');
    let thrown: unknown;
    try {
      publicKeyFromPem('not a certificate', 'options.additionalClients.0.certificatePem');
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    expect((thrown as Error).message).toContain('options.additionalClients.0.certificatePem');
  });
});
