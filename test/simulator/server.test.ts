import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { postPresences, startHarness } from './helpers.js';

describe('startGraphSimulator', () => {
  it('advertises loopback when bound to every interface, and closes twice without error', async () => {
    const harness = await startHarness({ host: '0.0.0.0' });
    expect(harness.sim.graphUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(harness.sim.authorityHost).toBe(new URL(harness.sim.graphUrl).host);
    expect((await postPresences(harness, null, { ids: [] })).status).toBe(401);
    await harness.close();
    await expect(harness.sim.close()).resolves.toBeUndefined();
  });

  it('reports a port already in use as SIMULATOR_INVALID_OPTIONS', async () => {
    const first = await startHarness();
    try {
      const port = Number(new URL(first.sim.graphUrl).port);
      const error: unknown = await startHarness({ port }).catch((caught: unknown) => caught);
      expect(isConnectorError(error, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    } finally {
      await first.close();
    }
  });
});
