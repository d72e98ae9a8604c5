/**
 * No credential reaches the logs: a full in-process run (config loader, MSAL, undici, Graph client, Kafka sink) at
 * debug level, through a forced 401 and the token refresh it causes, then every log line is searched for the client
 * secret and for every access token the simulator issued.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS } from '../../src/observability/index.js';
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

describe('the redaction list', () => {
  function logged(record: Record<string, unknown>): string {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out += chunk.toString('utf8');
        callback();
      },
    });
    createLogger({ level: 'debug', destination }).info(record, 'record');
    return out;
  }

  it('blanks credentials wherever a library or a log call puts them', () => {
    const secret = 'SECRET-VALUE-123';
    const records: Array<Record<string, unknown>> = [
      { authorization: `Bearer ${secret}` },
      { request: { headers: { authorization: `Bearer ${secret}` } } },
      { err: { request: { headers: { Authorization: `Bearer ${secret}` } } } },
      { headers: { 'proxy-authorization': `Basic ${secret}` } },
      { request: { headers: { 'proxy-authorization': `Basic ${secret}` } } },
      { token: secret },
      { result: { accessToken: secret } },
      { body: { access_token: secret, refresh_token: secret, id_token: secret } },
      { form: { client_secret: secret, client_assertion: secret } },
      { kafka: { sasl: { password: secret } } },
      { sasl: { password: secret } },
      { ssl: { key: secret, passphrase: secret } },
      { options: { ssl: { key: secret } } },
      { credential: { clientSecret: secret, privateKey: secret, privateKeyPem: secret } },
      { password: secret },
    ];
    for (const record of records) expect(logged(record), JSON.stringify(Object.keys(record))).not.toContain(secret);
    expect(REDACTED_PATHS.length).toBeGreaterThan(20);
  });
});
