/**
 * The MSAL token provider against the simulator's Entra ID endpoints, through the real undici dispatcher: the
 * cache, the one forced refresh after a 401, and how sign-in failures become AUTH_FAILED (retriable or not).
 */
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider, type ClientCredential, type TokenProvider } from '../../src/auth/index.js';
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
  overrides: { clientId?: string; credential?: ClientCredential; authorityUrl?: string } = {},
): TokenProvider {
  return createTokenProvider({
    tenantId: simulator.tenantId,
    clientId: overrides.clientId ?? simulator.clientId,
    authorityUrl: overrides.authorityUrl ?? new URL(simulator.authorityUrl).origin,
    scope: `${simulator.graphUrl}/.default`,
    credential: overrides.credential ?? { kind: 'secret', clientSecret: simulator.clientSecret },
    dispatcher,
    trustAuthorityHost: true,
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

  it('reports a wrong secret as a permanent AUTH_FAILED naming the client, the tenant and the AADSTS error', async () => {
    const error = await failure(provider({ credential: { kind: 'secret', clientSecret: 'wrong' } }).getToken());
    expect(error.code).toBe(ErrorCodes.AUTH_FAILED);
    expect(error.retriable).toBe(false);
    expect(error.details).toMatchObject({ msalErrorCode: 'invalid_client' });
    expect(error.message).toContain(simulator.clientId);
    expect(error.message).toContain(simulator.tenantId);
    expect(error.message).not.toContain('wrong');
  });

  it('reports an unknown client id as a permanent AUTH_FAILED', async () => {
    const error = await failure(provider({ clientId: '11111111-2222-4333-8444-555555555555' }).getToken());
    expect(error).toMatchObject({
      code: ErrorCodes.AUTH_FAILED,
      retriable: false,
      details: { msalErrorCode: 'unauthorized_client' },
    });
  });

  it('reports an unreachable authority as a retriable AUTH_FAILED that says what the transport saw', async () => {
    const closed = new URL(simulator.authorityUrl);
    closed.port = '1';
    const error = await failure(provider({ authorityUrl: closed.origin }).getToken());
    expect(error).toMatchObject({ code: ErrorCodes.AUTH_FAILED, retriable: true });
    // MSAL alone says only endpoints_resolution_error; the network client's failure names the cause.
    expect(error.message).toMatch(/endpoints_resolution_error.*connect ECONNREFUSED 127\.0\.0\.1:1/);
    expect(tokenRequests()).toBe(0);
  });
});
