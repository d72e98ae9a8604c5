import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import type { SimulatorFaults } from '../../src/simulator/index.js';
import { graphErrorBody, postPresences, startHarness, tokenFor, type Harness } from './helpers.js';

describe('the simulator handle', () => {
  let harness: Harness;
  let token: string;
  let defaults: SimulatorFaults;
  const ids = (count: number, from = 0): string[] =>
    Array.from({ length: count }, (_, i) => harness.sim.userIdAt(from + i));

  beforeAll(async () => {
    harness = await startHarness({ userCount: 2000, budget: { requests: 100_000 } });
    token = await tokenFor(harness);
    defaults = harness.sim.faults();
  });
  afterEach(() => harness.sim.setFaults(defaults));
  afterAll(() => harness.close());

  it('revokes every issued token; tokens issued afterwards work', async () => {
    const old = await tokenFor(harness);
    harness.sim.revokeTokens();
    const revoked = await postPresences(harness, old, { ids: ids(1) });
    expect(revoked.status).toBe(401);
    expect(graphErrorBody(revoked).error.message).toMatch(/TokenIssuedBeforeRevocationTimestamp/);
    token = await tokenFor(harness);
    expect((await postPresences(harness, token, { ids: ids(1) })).status).toBe(200);
  });

  it('rejects invalid faults with SIMULATOR_INVALID_OPTIONS and keeps the current ones', () => {
    harness.sim.setFaults({ malformedJsonShare: 0.25 });
    let thrown: unknown;
    try {
      harness.sim.setFaults({ serverErrorShare: 2, latency: { kind: 'uniform', minMs: 10, maxMs: 5 } });
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    expect((thrown as Error).message).toMatch(/faults\.serverErrorShare/);
    expect((thrown as Error).message).toMatch(/faults\.latency\.maxMs/);
    expect(harness.sim.faults()).toMatchObject({ malformedJsonShare: 0.25, serverErrorShare: 0, latency: null });
  });
});
