/**
 * No credential reaches the logs: a full in-process run (config loader, MSAL, undici, Graph client, Kafka sink) at
 * debug level, through a forced 401 and the token refresh it causes, then every log line is searched for the client
 * secret and for every access token the simulator issued.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/connector-harness.js';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** The pieces of a credential that must not appear: the whole value, and a JWT's signature on its own. */
function needles(token: string): string[] {
  const parts = token.split('.');
  return parts.length === 3 && parts[2] !== undefined && parts[2].length >= 16 ? [token, parts[2]] : [token];
}

describe('log redaction', () => {
  it('never logs the client secret or a bearer token, through a 401 and a token refresh, at debug level', async () => {
    harness = await startHarness({ userCount: 10 });
    const { simulator, worker } = harness;
    await worker.start();
    await harness.read({ count: 10 });
    const tokenRequests = simulator.recording.counters().tokenRequests;
    simulator.revokeTokens();
    simulator.changeUsers([1]);
    await harness.waitForRequests(3);
    await worker.stop();

    const { byStatus } = simulator.recording.counters();
    expect(byStatus[401] ?? 0, 'the simulator answered 401 at least once').toBeGreaterThan(0);
    expect(simulator.recording.counters().tokenRequests).toBeGreaterThan(tokenRequests);
    const tokens = simulator.issuedTokens();
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    // Debug level really was on, so the test searched the chattiest output the connector has.
    expect(harness.logs.some((line) => line['level'] === 20)).toBe(true);

    const secrets = [simulator.clientSecret, ...tokens.flatMap(needles)];
    for (const line of harness.rawLogs) {
      for (const secret of secrets) {
        if (line.includes(secret)) throw new Error(`a credential reached the log: ${line.slice(0, 300)}`);
      }
    }
    expect(harness.rawLogs.join('\n')).not.toMatch(/Bearer\s+[A-Za-z0-9._~+/-]{20,}/);
  });
});
