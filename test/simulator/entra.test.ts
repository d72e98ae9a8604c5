import {
  X509Certificate,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { generate } from 'selfsigned';
import { request, type Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, postPresences, startHarness, tokenFor, tokenRequest, type Harness } from './helpers.js';

/**
 * MSAL's default client uses Node's fetch, which cannot be given an extra CA per call; this one sends through undici
 * with the simulator's certificate and logs what MSAL asked for.
 */
function undiciNetworkClient(agent: Agent, log: string[]): INetworkModule {
  const send = async <T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    log.push(`${method} ${new URL(url).pathname}`);
    const response = await request(url, {
      method,
      dispatcher: agent,
      headers: options?.headers ?? {},
      body: options?.body ?? null,
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') headers[name] = value;
    return { status: response.statusCode, headers, body: (await response.body.json()) as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

const GRAPH_SCOPE = ['https://graph.microsoft.com/.default'];

function msalApp(
  harness: Harness,
  credentials:
    { clientSecret: string } | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c?: string } },
  log: string[] = [],
  clientId = harness.sim.clientId,
): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      authority: harness.sim.authorityUrl,
      knownAuthorities: [harness.sim.authorityHost],
      ...credentials,
    },
    system: { networkClient: undiciNetworkClient(harness.agent, log) },
  });
}

interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
}

async function rsaCertificate(): Promise<{ privateKey: string; cert: string; thumbprintSha256: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const pems = await generate([{ name: 'commonName', value: 'connector' }], {
    algorithm: 'sha256',
    keyPair: { privateKey: privatePem, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  });
  const thumbprintSha256 = new X509Certificate(pems.cert).fingerprint256.replaceAll(':', '');
  return { privateKey: privatePem, cert: pems.cert, thumbprintSha256 };
}

function es256Assertion(claims: Record<string, unknown>, key: KeyObject): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'ES256', typ: 'JWT' })}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

describe('Entra ID endpoints with the real MSAL client', () => {
  let harness: Harness;
  let certificate: Awaited<ReturnType<typeof rsaCertificate>>;
  let otherCertificate: Awaited<ReturnType<typeof rsaCertificate>>;
  const noPermissionClient = '11111111-2222-4333-8444-555555555555';
  const certificateClient = '22222222-3333-4444-8555-666666666666';
  const anyAssertionClient = '33333333-4444-4555-8666-777777777777';

  beforeAll(async () => {
    [certificate, otherCertificate] = await Promise.all([rsaCertificate(), rsaCertificate()]);
    harness = await startHarness({
      tokenLifetimeSeconds: 1800,
      additionalClients: [
        { clientId: noPermissionClient, clientSecret: 'no-permission', hasPresencePermission: false },
        { clientId: certificateClient, certificatePem: certificate.cert },
        { clientId: anyAssertionClient },
      ],
    });
  });
  afterAll(() => harness.close());

  it('issues a token through discovery and the token endpoint, then serves it from MSAL cache', async () => {
    const log: string[] = [];
    const app = msalApp(harness, { clientSecret: harness.sim.clientSecret }, log);
    const before = Date.now();
    const result = await app.acquireTokenByClientCredential({ scopes: GRAPH_SCOPE });
    expect(result?.tokenType).toBe('Bearer');
    const expiresInMs = (result?.expiresOn?.getTime() ?? 0) - before;
    expect(expiresInMs).toBeGreaterThan(1790_000);
    expect(expiresInMs).toBeLessThan(1802_000);
    const again = await app.acquireTokenByClientCredential({ scopes: GRAPH_SCOPE });
    expect(again?.fromCache).toBe(true);
    expect(log).toEqual([
      `GET /${harness.sim.tenantId}/v2.0/.well-known/openid-configuration`,
      `POST /${harness.sim.tenantId}/oauth2/v2.0/token`,
    ]);
    const presence = await postPresences(harness, result?.accessToken ?? '', { ids: [harness.sim.userIdAt(0)] });
    expect(presence.status).toBe(200);
  });

  it('rejects a wrong secret with the AAD 401 invalid_client body, which MSAL surfaces', async () => {
    const app = msalApp(harness, { clientSecret: 'wrong' });
    await expect(app.acquireTokenByClientCredential({ scopes: GRAPH_SCOPE })).rejects.toMatchObject({
      errorCode: 'invalid_client',
      errorMessage: expect.stringContaining('AADSTS7000215') as unknown,
    });
    const raw = await tokenRequest(harness, {
      grant_type: 'client_credentials',
      client_id: harness.sim.clientId,
      client_secret: 'wrong',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(raw.status).toBe(401);
    const body = JSON.parse(raw.text) as AadErrorBody;
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(body.error_description).toMatch(
      /^AADSTS7000215: .*Trace ID: [0-9a-f-]{36} Correlation ID: .* Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects an unknown client id as Entra ID does (400 unauthorized_client, AADSTS700016)', async () => {
    const raw = await tokenRequest(harness, {
      grant_type: 'client_credentials',
      client_id: '99999999-9999-4999-8999-999999999999',
      client_secret: harness.sim.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
  });

  it('authenticates a certificate client: MSAL signs PS256 with the key of the configured certificate', async () => {
    const app = msalApp(
      harness,
      {
        clientCertificate: {
          thumbprintSha256: certificate.thumbprintSha256,
          privateKey: certificate.privateKey,
          x5c: certificate.cert,
        },
      },
      [],
      certificateClient,
    );
    const result = await app.acquireTokenByClientCredential({ scopes: GRAPH_SCOPE });
    expect(result?.accessToken).toBeTruthy();
  });

  it('rejects an assertion signed by another key with AADSTS700027', async () => {
    const app = msalApp(
      harness,
      {
        clientCertificate: {
          thumbprintSha256: otherCertificate.thumbprintSha256,
          privateKey: otherCertificate.privateKey,
        },
      },
      [],
      certificateClient,
    );
    await expect(app.acquireTokenByClientCredential({ scopes: GRAPH_SCOPE })).rejects.toMatchObject({
      errorCode: 'invalid_client',
      errorMessage: expect.stringContaining('AADSTS700027') as unknown,
    });
  });

  it('accepts any well-formed assertion for a client without a configured certificate, but checks its claims', async () => {
    const app = msalApp(
      harness,
      {
        clientCertificate: {
          thumbprintSha256: otherCertificate.thumbprintSha256,
          privateKey: otherCertificate.privateKey,
        },
      },
      [],
      anyAssertionClient,
    );
    expect((await app.acquireTokenByClientCredential({ scopes: GRAPH_SCOPE }))?.accessToken).toBeTruthy();

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Math.floor(Date.now() / 1000);
    const audience = `${harness.sim.authorityUrl}/oauth2/v2.0/token`;
    const good = {
      iss: anyAssertionClient,
      sub: anyAssertionClient,
      aud: audience,
      exp: now + 600,
      nbf: now,
      jti: 'x',
    };
    const attempt = (claims: Record<string, unknown>, assertion = es256Assertion(claims, privateKey)) =>
      tokenRequest(harness, {
        grant_type: 'client_credentials',
        client_id: anyAssertionClient,
        scope: 'https://graph.microsoft.com/.default',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
    const codes = async (claims: Record<string, unknown>, assertion?: string): Promise<unknown> =>
      (JSON.parse((await attempt(claims, assertion)).text) as { error_codes?: number[] }).error_codes ?? 'ok';
    expect(await codes(good)).toBe('ok');
    expect(await codes({ ...good, aud: 'https://elsewhere/token' })).toEqual([700212]);
    expect(await codes({ ...good, exp: now - 3600 })).toEqual([700024]);
    expect(await codes({ ...good, iss: certificateClient })).toEqual([700021]);
    expect(await codes(good, 'not-a-jwt')).toEqual([50027]);
  });

  it('validates grant type, scope and tenant like Entra ID', async () => {
    const base = { client_id: harness.sim.clientId, client_secret: harness.sim.clientSecret };
    const grant = await tokenRequest(harness, {
      ...base,
      grant_type: 'password',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect([grant.status, JSON.parse(grant.text).error]).toEqual([400, 'unsupported_grant_type']);
    const scope = await tokenRequest(harness, {
      ...base,
      grant_type: 'client_credentials',
      scope: 'Presence.Read.All',
    });
    expect([scope.status, JSON.parse(scope.text).error]).toEqual([400, 'invalid_scope']);
    const tenant = await http(
      harness,
      'GET',
      '/00000000-0000-4000-8000-000000000000/v2.0/.well-known/openid-configuration',
    );
    expect([tenant.status, JSON.parse(tenant.text).error_codes]).toEqual([400, [90002]]);
  });

  it('accepts client_secret_basic and issues opaque-free JWTs whose signature verifies against the published keys', async () => {
    const basic = Buffer.from(`${harness.sim.clientId}:${encodeURIComponent(harness.sim.clientSecret)}`).toString(
      'base64',
    );
    const result = await tokenRequest(
      harness,
      { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
      { authorization: `Basic ${basic}` },
    );
    expect(result.status).toBe(200);
    const body = JSON.parse(result.text) as {
      token_type: string;
      expires_in: number;
      ext_expires_in: number;
      access_token: string;
    };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1800, ext_expires_in: 1800 });

    const config = JSON.parse(
      (await http(harness, 'GET', `/${harness.sim.tenantId}/v2.0/.well-known/openid-configuration`)).text,
    ) as Record<string, string>;
    expect(config['token_endpoint']).toBe(`${harness.sim.authorityUrl}/oauth2/v2.0/token`);
    expect(config['issuer']).toBe(`${harness.sim.authorityUrl}/v2.0`);
    expect(config['authorization_endpoint']).toBe(`${harness.sim.authorityUrl}/oauth2/v2.0/authorize`);
    const keysPath = new URL(config['jwks_uri'] ?? '').pathname;
    const { keys } = JSON.parse((await http(harness, 'GET', keysPath)).text) as {
      keys: (Record<string, string> & { kty: string })[];
    };
    const [headerPart = '', payloadPart = '', signaturePart = ''] = body.access_token.split('.');
    const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString()) as { kid: string; alg: string };
    const jwk = keys.find((key) => key['kid'] === header.kid);
    expect(jwk).toBeDefined();
    const publicKey = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
    const valid = verify(
      'sha256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signaturePart, 'base64url'),
    );
    expect(valid).toBe(true);
    const claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      appid: harness.sim.clientId,
      tid: harness.sim.tenantId,
      roles: ['Presence.Read.All'],
    });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(1800);
  });

  it('answers instance discovery with the simulator as the only alias', async () => {
    const result = await http(harness, 'GET', '/common/discovery/instance?api-version=1.1&authorization_endpoint=x');
    expect(JSON.parse(result.text)).toEqual({
      tenant_discovery_endpoint: `${harness.sim.authorityUrl}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: harness.sim.authorityHost,
          preferred_cache: harness.sim.authorityHost,
          aliases: [harness.sim.authorityHost],
        },
      ],
    });
  });

  it('gives a client without Presence.Read.All a token without the role, and 403 at Graph', async () => {
    const token = await tokenFor(harness, noPermissionClient, 'no-permission');
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { roles: string[] };
    expect(claims.roles).toEqual([]);
    const result = await postPresences(harness, token, { ids: [harness.sim.userIdAt(0)] });
    expect(result.status).toBe(403);
    expect(JSON.parse(result.text).error.code).toBe('Forbidden');
  });
});

describe('opaque tokens', () => {
  it('issues non-JWT tokens that the presence endpoint accepts', async () => {
    const harness = await startHarness({ tokenFormat: 'opaque' });
    try {
      const token = await tokenFor(harness);
      expect(token.split('.')).toHaveLength(1);
      expect((await postPresences(harness, token, { ids: [harness.sim.userIdAt(1)] })).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});
