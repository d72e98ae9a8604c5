/**
 * MSAL's network module over the connector's undici dispatcher, against the simulator's Entra ID endpoints: what
 * MSAL gets back, and the transport failure it would otherwise report only as endpoints_resolution_error.
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMsalNetworkClient } from '../../src/auth/index.js';
import { ErrorCodes } from '../../src/errors.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';

let simulator: GraphSimulator;
let agent: Agent;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 5, autoChurn: false });
  agent = new Agent({ connect: { ca: simulator.caCertificatePem } });
});

afterAll(async () => {
  await agent?.close();
  await simulator?.close();
});

describe('createMsalNetworkClient', () => {
  it('returns status, lowercase headers and the parsed JSON body of a GET', async () => {
    const client = createMsalNetworkClient(agent);
    const response = await client.sendGetRequestAsync<{ token_endpoint: string }>(
      `${simulator.authorityUrl}/v2.0/.well-known/openid-configuration`,
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body.token_endpoint).toContain(simulator.tenantId);
    expect(client.lastFailure()).toBeUndefined();
  });

  it('posts the form MSAL gives it and hands an error answer back for MSAL to read', async () => {
    const client = createMsalNetworkClient(agent);
    const response = await client.sendPostRequestAsync<{ error: string }>(
      `${simulator.authorityUrl}/oauth2/v2.0/token`,
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password' }).toString(),
      },
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unsupported_grant_type');
    // MSAL drops some error answers (a failed discovery) or keeps no status (its own 5xx throttle): kept here.
    expect(client.lastErrorAnswer()).toEqual({
      status: 400,
      error: 'unsupported_grant_type',
      errorCodes: ['70003'],
      description: expect.stringMatching(/^AADSTS70003: /),
    });
    await client.sendGetRequestAsync(`${simulator.authorityUrl}/v2.0/.well-known/openid-configuration`);
    expect(client.lastErrorAnswer()).toBeUndefined();
  });

  it("keeps the AADSTS code of a failed discovery: a wrong tenant's 400", async () => {
    const client = createMsalNetworkClient(agent);
    const wrongTenant = new URL(simulator.authorityUrl);
    wrongTenant.pathname = '/11111111-2222-4333-8444-555555555555/v2.0/.well-known/openid-configuration';
    const response = await client.sendGetRequestAsync(wrongTenant.toString());
    expect(response.status).toBe(400);
    expect(client.lastErrorAnswer()).toMatchObject({ status: 400, error: 'invalid_tenant', errorCodes: ['90002'] });
  });

  it('remembers a transport failure with the endpoint and the reason, never the body', async () => {
    const client = createMsalNetworkClient(agent);
    const closed = new URL(simulator.authorityUrl);
    closed.port = '1';
    await expect(
      client.sendPostRequestAsync(`${closed.origin}/t/oauth2/v2.0/token?x=1`, { body: 'client_secret=hidden' }),
    ).rejects.toMatchObject({ code: ErrorCodes.AUTH_FAILED, retriable: true });
    const failure = client.lastFailure();
    expect(failure?.message).toMatch(
      /^sign-in request POST https:\/\/127\.0\.0\.1:1\/t\/oauth2\/v2\.0\/token failed: .*ECONNREFUSED/,
    );
    expect(failure?.message).not.toContain('hidden');
    expect(failure?.details).toEqual({ endpoint: 'https://127.0.0.1:1/t/oauth2/v2.0/token' });
    // A later success clears it, so a stale reason is never added to an unrelated error.
    await client.sendGetRequestAsync(`${simulator.authorityUrl}/v2.0/.well-known/openid-configuration`);
    expect(client.lastFailure()).toBeUndefined();
  });
});
