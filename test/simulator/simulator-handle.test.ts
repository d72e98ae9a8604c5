import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { faultInjectionHarness, graphErrorBody, postPresences, tokenFor } from './helpers.js';

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
