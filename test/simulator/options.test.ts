import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import {
  DEFAULT_BUDGET_REQUESTS,
  DEFAULT_BUDGET_WINDOW_SECONDS,
  DEFAULT_CLIENT_ID,
  DEFAULT_SEED,
  mergeFaults,
  resolveSimulatorOptions,
} from '../../src/simulator/options.js';
import { NO_TOKEN_FAULTS } from '../../src/simulator/token-faults.js';

describe('options', () => {
  it('take token endpoint faults: all off by default, validated, and in force from the start', async () => {
    expect(resolveSimulatorOptions({}).tokenFaults).toEqual(NO_TOKEN_FAULTS);
    expect(() => resolveSimulatorOptions({ tokenFaults: { throttleShare: 1.5 } })).toThrow(
      /options\.tokenFaults\.throttleShare/,
    );
    const { startGraphSimulator } = await import('../../src/simulator/index.js');
    const sim = await startGraphSimulator({ userCount: 1, autoChurn: false, tokenFaults: { throttleShare: 1 } });
    try {
      expect(sim.tokenFaults()).toMatchObject({ throttleShare: 1, serverErrorShare: 0 });
    } finally {
      await sim.close();
    }
  });

  it('rejects invalid options with SIMULATOR_INVALID_OPTIONS naming each path', async () => {
    const { startGraphSimulator } = await import('../../src/simulator/index.js');
    const attempt = startGraphSimulator({
      userCount: 0,
      tenantId: 'contoso',
      changesPerMinuteShare: -1,
      budget: { requests: 0 },
      faults: { truncatedJsonShare: 1.5 },
      // @ts-expect-error an unknown option must be reported, not ignored
      colour: 'blue',
    });
    const error: unknown = await attempt.catch((caught: unknown) => caught);
    expect(isConnectorError(error, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    const problems = (error as { details: { problems: string[] } }).details.problems.join('\n');
    for (const path of [
      'options.userCount',
      'options.tenantId',
      'options.changesPerMinuteShare',
      'options.budget.requests',
      'options.faults.truncatedJsonShare',
      'colour',
    ]) {
      expect(problems).toContain(path);
    }
  });
});

describe('resolveSimulatorOptions and mergeFaults', () => {
  it('fills the defaults', () => {
    const resolved = resolveSimulatorOptions({});
    expect(resolved).toMatchObject({
      userCount: expect.any(Number) as unknown,
      seed: DEFAULT_SEED,
      clientId: DEFAULT_CLIENT_ID,
      budget: { requests: DEFAULT_BUDGET_REQUESTS, windowSeconds: DEFAULT_BUDGET_WINDOW_SECONDS },
    });
    expect(resolved.faults).toMatchObject({ serverErrorShare: 0, latency: null, forbidden: false });
  });

  it('merges a fault change over the current faults without changing them', () => {
    const current = resolveSimulatorOptions({}).faults;
    const merged = mergeFaults(current, { serverErrorShare: 0.5, latency: { kind: 'fixed', ms: 10 } });
    expect(merged).toMatchObject({ serverErrorShare: 0.5, latency: { kind: 'fixed', ms: 10 }, forbidden: false });
    expect(current.serverErrorShare).toBe(0);
    expect(() => mergeFaults(current, { malformedJsonShare: -0.1 })).toThrow(/faults\.malformedJsonShare/);
  });
});
