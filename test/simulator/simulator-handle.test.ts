import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { faultInjectionHarness, graphErrorBody, page, postPresences, tokenFor } from './helpers.js';

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
