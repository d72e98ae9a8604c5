import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { faultInjectionHarness, graphErrorBody, page, postPresences, tokenFor, tokenRequest } from './helpers.js';

describe('the simulator handle', () => {
  const fixture = faultInjectionHarness();
  const { ids } = fixture;

  it('revokes every issued token; tokens issued afterwards work', async () => {
    const old = await tokenFor(fixture.harness);
    fixture.harness.sim.revokeTokens();
    const revoked = await postPresences(fixture.harness, old, { ids: ids(1) });
    expect(revoked.status).toBe(401);
    expect(graphErrorBody(revoked).error.message).toMatch(/TokenIssuedBeforeRevocationTimestamp/);
    await fixture.renewToken();
    expect((await postPresences(fixture.harness, fixture.token, { ids: ids(1) })).status).toBe(200);
  });

  it("restarts users' sequence numbers lower: the presence stays, later changes grow from there", async () => {
    const { sim } = fixture.harness;
    const [reset, other] = ids(2, 40);
    if (reset === undefined || other === undefined) throw new Error('two ids expected');
    sim.changeUsers([reset, other]);
    const before = sim.getPresence(reset);
    const otherBefore = sim.getPresence(other).sequenceNumber ?? '';
    sim.resetSequenceNumbers([reset]);
    const after = sim.getPresence(reset);
    const letter = (before.sequenceNumber ?? '').charAt(0);
    expect(after).toEqual({ ...before, sequenceNumber: `${letter}0000000001` });
    expect((after.sequenceNumber ?? '') < (before.sequenceNumber ?? '')).toBe(true);
    // Served as such, and no stale-read fault brings the old, higher number back.
    fixture.harness.sim.setFaults({ olderSequenceShare: 1 });
    const served = page(await postPresences(fixture.harness, fixture.token, { ids: [reset] })).value;
    expect(served[0]?.sequenceNumber).toBe(`${letter}0000000001`);
    sim.changeUsers([reset, other]);
    expect(sim.getPresence(reset).sequenceNumber).toBe(`${letter}0000000002`);
    expect((sim.getPresence(other).sequenceNumber ?? '') > otherBefore).toBe(true);
    sim.resetSequenceNumbers([sim.userIdAt(40)]);
    expect(sim.getPresence(reset).sequenceNumber).toBe(`${letter}0000000001`);
    expect(() => sim.resetSequenceNumbers(['not-a-user'])).toThrow(/Not a simulated user/);
  });

  it('rotates the client secret: the old one answers invalid_client (AADSTS7000215), its tokens stay valid', async () => {
    const { sim } = fixture.harness;
    const old = sim.clientSecret;
    const issued = await tokenFor(fixture.harness);
    const rotated = sim.rotateClientSecret();
    try {
      expect(rotated).not.toBe(old);
      expect(sim.clientSecret).toBe(rotated);
      const refused = await tokenRequest(fixture.harness, {
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: old,
        scope: 'https://graph.microsoft.com/.default',
      });
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text)).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
      expect(await tokenFor(fixture.harness, sim.clientId, rotated)).toEqual(expect.any(String));
      expect((await postPresences(fixture.harness, issued, { ids: ids(1) })).status).toBe(200);
      expect(sim.rotateClientSecret('chosen-secret')).toBe('chosen-secret');
      expect(() => sim.rotateClientSecret('')).toThrow(/must not be empty/);
    } finally {
      sim.rotateClientSecret(old);
    }
  });

  it('faults the token endpoint at run time: 429, 5xx, spoilt successes; invalid changes change nothing', async () => {
    const { sim } = fixture.harness;
    const form = {
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    };
    try {
      sim.setTokenFaults({ throttleShare: 1, throttleRetryAfterSeconds: 3 });
      const throttled = await tokenRequest(fixture.harness, form);
      expect([throttled.status, throttled.headers['retry-after']]).toEqual([429, '3']);
      sim.setTokenFaults({
        throttleShare: 0,
        serverErrorShare: 1,
        serverErrorStatuses: [504],
        serverErrorRetryAfterShare: 0,
      });
      const unavailable = await tokenRequest(fixture.harness, form);
      expect([unavailable.status, unavailable.headers['retry-after']]).toEqual([504, undefined]);
      expect(JSON.parse(unavailable.text)).toMatchObject({ error: 'temporarily_unavailable', error_codes: [90033] });
      sim.setTokenFaults({ serverErrorShare: 0, notJsonShare: 1 });
      const notJson = await tokenRequest(fixture.harness, form);
      expect(notJson.status).toBe(200);
      expect(() => JSON.parse(notJson.text) as unknown).toThrow();
      sim.setTokenFaults({ notJsonShare: 0, missingAccessTokenShare: 1 });
      const noToken = await tokenRequest(fixture.harness, form);
      expect(JSON.parse(noToken.text)).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
      // A spoilt body replaces a success only: a refused secret is still refused as such.
      const wrong = await tokenRequest(fixture.harness, { ...form, client_secret: 'wrong' });
      expect(wrong.status).toBe(401);
      expect(() => sim.setTokenFaults({ throttleShare: 2 })).toThrow(/tokenFaults\.throttleShare/);
      expect(sim.tokenFaults()).toMatchObject({ throttleShare: 0, missingAccessTokenShare: 1 });
    } finally {
      sim.setTokenFaults({ missingAccessTokenShare: 0 });
    }
  });

  it('rejects invalid faults with SIMULATOR_INVALID_OPTIONS and keeps the current ones', () => {
    fixture.harness.sim.setFaults({ malformedJsonShare: 0.25 });
    let thrown: unknown;
    try {
      fixture.harness.sim.setFaults({ serverErrorShare: 2, latency: { kind: 'uniform', minMs: 10, maxMs: 5 } });
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    expect((thrown as Error).message).toMatch(/faults\.serverErrorShare/);
    expect((thrown as Error).message).toMatch(/faults\.latency\.maxMs/);
    expect(fixture.harness.sim.faults()).toMatchObject({
      malformedJsonShare: 0.25,
      serverErrorShare: 0,
      latency: null,
    });
  });
});
