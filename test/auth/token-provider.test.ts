/**
 * The MSAL token provider against the simulator's Entra ID endpoints, through the real undici dispatcher: the
 * cache, the one forced refresh after a 401, how sign-in failures become AUTH_FAILED with a reason and the AADSTS
 * code (retriable or not), and the backoff that keeps a failing sign-in from asking Entra ID once per call.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTokenProvider,
  type ClientCredential,
  type SignInFailedInfo,
  type TokenProvider,
  type TokenProviderOptions,
} from '../../src/auth/index.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { createHttpDispatcher } from '../../src/http/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';

let simulator: GraphSimulator;
let dispatcher: Dispatcher;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 5, autoChurn: false });
  dispatcher = createHttpDispatcher({ connectionsPerOrigin: 4, extraCaPem: simulator.caCertificatePem, env: {} });
});

afterEach(() => {
  simulator.resetRecording();
});

afterAll(async () => {
  await dispatcher?.close();
  await simulator?.close();
});

function provider(
  overrides: Partial<Pick<TokenProviderOptions, 'tenantId' | 'observer' | 'now' | 'random'>> & {
    clientId?: string;
    credential?: ClientCredential;
    authorityUrl?: string;
  } = {},
): TokenProvider {
  return createTokenProvider({
    tenantId: simulator.tenantId,
    scope: `${simulator.graphUrl}/.default`,
    dispatcher,
    trustAuthorityHost: true,
    ...overrides,
    clientId: overrides.clientId ?? simulator.clientId,
    authorityUrl: overrides.authorityUrl ?? new URL(simulator.authorityUrl).origin,
    credential: overrides.credential ?? { kind: 'secret', clientSecret: simulator.clientSecret },
  });
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected sign-in to fail');
}

/** Waits (a few seconds at most) for a background refresh to reach the simulator, or the provider. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await condition()).toBe(true);
}

function tokenRequests(): number {
  return simulator.recording.counters().tokenRequests;
}

describe('createTokenProvider', () => {
  it('serves the cached token until asked to refresh, then fetches a new one once', async () => {
    const tokens = provider();
    const first = await tokens.getToken();
    expect(await tokens.getToken()).toBe(first);
    expect(tokenRequests()).toBe(1);
    const refreshed = await tokens.getToken(true);
    expect(refreshed).not.toBe(first);
    expect(tokenRequests()).toBe(2);
    // The refreshed token is the one cached from now on.
    expect(await tokens.getToken()).toBe(refreshed);
    expect(tokenRequests()).toBe(2);
    expect(simulator.issuedTokens()).toEqual(expect.arrayContaining([first, refreshed]));
  });

  it('reports a wrong secret as a permanent AUTH_FAILED: wrong-secret, AADSTS7000215, what to do, never the secret', async () => {
    const error = await failure(provider({ credential: { kind: 'secret', clientSecret: 'wrong' } }).getToken());
    expect(error.code).toBe(ErrorCodes.AUTH_FAILED);
    expect(error.retriable).toBe(false);
    expect(error.details).toMatchObject({
      reason: 'wrong-secret',
      aadsts: 'AADSTS7000215',
      msalErrorCode: 'invalid_client',
      status: 401,
    });
    expect(error.message).toContain(simulator.clientId);
    expect(error.message).toContain(simulator.tenantId);
    expect(error.message).toMatch(
      /the client secret is wrong \(AADSTS7000215, invalid_client\); configure the secret's Value/,
    );
    expect(error.message).not.toContain("wrong'");
  });

  it('reports an unknown client id as app-not-found (AADSTS700016), permanent', async () => {
    const error = await failure(provider({ clientId: '11111111-2222-4333-8444-555555555555' }).getToken());
    expect(error).toMatchObject({
      code: ErrorCodes.AUTH_FAILED,
      retriable: false,
      details: { reason: 'app-not-found', aadsts: 'AADSTS700016', msalErrorCode: 'unauthorized_client' },
    });
  });

  it('reports an unknown tenant as wrong-tenant with the AADSTS90002 MSAL drops from the discovery answer', async () => {
    const error = await failure(provider({ tenantId: '11111111-2222-4333-8444-555555555555' }).getToken());
    expect(error).toMatchObject({
      code: ErrorCodes.AUTH_FAILED,
      retriable: false,
      details: { reason: 'wrong-tenant', aadsts: 'AADSTS90002', msalErrorCode: 'endpoints_resolution_error' },
    });
    expect(error.message).toMatch(/set tenant\.id to the app registration's Directory \(tenant\) ID/);
    expect(tokenRequests()).toBe(0);
  });

  it('reports an unreachable authority as a retriable AUTH_FAILED that says what the transport saw', async () => {
    const closed = new URL(simulator.authorityUrl);
    closed.port = '1';
    const error = await failure(provider({ authorityUrl: closed.origin }).getToken());
    expect(error).toMatchObject({
      code: ErrorCodes.AUTH_FAILED,
      retriable: true,
      details: { reason: 'endpoint-unreachable', msalErrorCode: 'endpoints_resolution_error' },
    });
    // MSAL alone says only endpoints_resolution_error; the network client's failure names the cause.
    expect(error.message).toMatch(/could not be reached \(.*connect ECONNREFUSED 127\.0\.0\.1:1\)/);
    expect(tokenRequests()).toBe(0);
  });
});

describe('createTokenProvider: its own token cache', () => {
  it('hands out the token without asking MSAL until its refresh point, then once; a failed refresh keeps the old one while usable', async () => {
    // 60 s tokens: within MSAL's 5-minute margin, so MSAL alone would ask Entra ID on every call.
    const shortLived = await startGraphSimulator({ userCount: 1, autoChurn: false, tokenLifetimeSeconds: 60 });
    const trusting = createHttpDispatcher({
      connectionsPerOrigin: 2,
      extraCaPem: shortLived.caCertificatePem,
      env: {},
    });
    const clock = { now: 0 };
    try {
      const tokens = createTokenProvider({
        tenantId: shortLived.tenantId,
        clientId: shortLived.clientId,
        authorityUrl: new URL(shortLived.authorityUrl).origin,
        scope: `${shortLived.graphUrl}/.default`,
        credential: { kind: 'secret', clientSecret: shortLived.clientSecret },
        dispatcher: trusting,
        trustAuthorityHost: true,
        now: () => clock.now,
        random: () => 0,
      });
      const requests = () => shortLived.recording.counters().tokenRequests;
      const first = await tokens.getToken();
      for (let i = 0; i < 100; i++) expect(await tokens.getToken()).toBe(first);
      expect(requests()).toBe(1);
      // Refreshed at half the life of a short-lived token (at most 5 minutes before expiry for long-lived ones).
      clock.now += 29_000;
      expect(await tokens.getToken()).toBe(first);
      clock.now += 2_000;
      // Past the refresh point the caller gets the old token at once, and the refresh runs meanwhile.
      expect(await tokens.getToken()).toBe(first);
      // The new token once the refresh landed.
      await until(async () => (await tokens.getToken()) !== first);
      expect(requests()).toBe(2);
      const second = await tokens.getToken();
      // Entra ID fails at the next refresh point: the old token, still valid for a while, is handed out meanwhile.
      shortLived.setTokenFaults({ serverErrorShare: 1, serverErrorRetryAfterShare: 0 });
      clock.now += 31_000;
      expect(await tokens.getToken()).toBe(second);
      await until(() => requests() === 3);
      // Retried after the backoff (250 ms), still failing: the old token still.
      clock.now += 1_000;
      expect(await tokens.getToken()).toBe(second);
      await until(() => requests() === 4);
      // Until 15 s before it expires (a quarter of its life, at most a minute): then the failure reaches the caller.
      clock.now += 10_000;
      expect(await tokens.getToken()).toBe(second);
      clock.now += 10_000;
      await expect(tokens.getToken()).rejects.toMatchObject({ details: { reason: 'entra-unavailable' } });
    } finally {
      await trusting.close();
      await shortLived.close();
    }
  });

  it('after a 401 never hands the refused token out again, even when the forced refresh failed', async () => {
    const clock = { now: 0 };
    const tokens = provider({ now: () => clock.now, random: () => 0 });
    const refused = await tokens.getToken();
    simulator.setTokenFaults({ serverErrorShare: 1, serverErrorRetryAfterShare: 0 });
    try {
      await expect(tokens.getToken(true)).rejects.toMatchObject({ details: { reason: 'entra-unavailable' } });
      clock.now += 10_000;
      // MSAL's cache still holds the refused token: it is bypassed until a sign-in succeeds.
      await expect(tokens.getToken()).rejects.toMatchObject({ details: { reason: 'entra-unavailable' } });
      simulator.setTokenFaults({ serverErrorShare: 0 });
      clock.now += 10_000;
      const renewed = await tokens.getToken();
      expect(renewed).not.toBe(refused);
      expect(await tokens.getToken()).toBe(renewed);
    } finally {
      simulator.setTokenFaults({ serverErrorShare: 0 });
    }
  });
});

describe('createTokenProvider: certificate credentials', () => {
  it('signs in with the registered key, and reports another key as certificate-rejected (AADSTS700027)', async () => {
    const rsa = () =>
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
    const registered = rsa();
    const other = rsa();
    const withCertificate = await startGraphSimulator({
      userCount: 1,
      autoChurn: false,
      clientCertificatePem: registered.publicKey,
    });
    const trusting = createHttpDispatcher({
      connectionsPerOrigin: 2,
      extraCaPem: withCertificate.caCertificatePem,
      env: {},
    });
    const thumbprintSha256 = 'ab'.repeat(32);
    try {
      const signIn = (privateKeyPem: string) =>
        createTokenProvider({
          tenantId: withCertificate.tenantId,
          clientId: withCertificate.clientId,
          authorityUrl: new URL(withCertificate.authorityUrl).origin,
          scope: `${withCertificate.graphUrl}/.default`,
          credential: { kind: 'certificate', privateKeyPem, thumbprintSha256 },
          dispatcher: trusting,
          trustAuthorityHost: true,
        }).getToken();
      await expect(signIn(registered.privateKey)).resolves.toEqual(expect.any(String));
      const error = await failure(signIn(other.privateKey));
      expect(error).toMatchObject({
        retriable: false,
        details: { reason: 'certificate-rejected', aadsts: 'AADSTS700027', msalErrorCode: 'invalid_client' },
      });
    } finally {
      await trusting.close();
      await withCertificate.close();
    }
  });
});

describe('createTokenProvider: backoff while sign-in fails', () => {
  it('asks Entra ID once for concurrent callers and not again before the backoff step ends', async () => {
    const clock = { now: 0 };
    const failed: SignInFailedInfo[] = [];
    const tokens = provider({
      credential: { kind: 'secret', clientSecret: 'wrong' },
      now: () => clock.now,
      random: () => 0,
      observer: { onSignInFailed: (info) => failed.push(info) },
    });
    // Twenty batches of one cycle ask together: one token request, and all twenty get its error.
    const errors = await Promise.all(Array.from({ length: 20 }, () => failure(tokens.getToken())));
    expect(new Set(errors).size).toBe(1);
    expect(tokenRequests()).toBe(1);
    // The next cycles within the step: refused at once, Entra ID not asked.
    for (let i = 0; i < 20; i++) expect(await failure(tokens.getToken(i % 2 === 0))).toBe(errors[0]);
    expect(tokenRequests()).toBe(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ failedAttempts: 1, retryInMs: 2_500, failure: { reason: 'wrong-secret' } });
    clock.now += 2_500;
    await failure(tokens.getToken());
    expect(tokenRequests()).toBe(2);
    expect(failed.map((info) => info.retryInMs)).toEqual([2_500, 5_000]);
  });

  it('reports the first successful sign-in, and not every cached token after it', async () => {
    const succeeded: number[] = [];
    const tokens = provider({ observer: { onSignInSucceeded: (info) => succeeded.push(info.failedAttempts) } });
    await tokens.getToken();
    await tokens.getToken();
    expect(succeeded).toEqual([0]);
  });
});
