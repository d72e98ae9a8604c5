import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { decode } from '../support/connector-harness.js';
import { kafkaBrokers, readMessages, uniqueTopic, waitForTopic } from '../support/kafka.js';
import { simulatorConfig, startCli, tempDir, type TempDir } from '../support/cli.js';

const USERS = 30;
const SHUTDOWN_TIMEOUT_SECONDS = 5;
/** Three base64url segments, the first two JSON objects: any JWT, so also any access token the simulator issues. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/;
const BEARER = /bearer\s+[A-Za-z0-9._~+/-]{8,}/i;

let simulator: GraphSimulator;
let dir: TempDir;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: USERS, autoChurn: false });
  dir = tempDir();
});

afterAll(async () => {
  await simulator.close();
  dir.remove();
});

async function issueToken(sim: GraphSimulator): Promise<string> {
  const dispatcher = new Agent({ connect: { ca: sim.caCertificatePem } });
  try {
    const response = await request(`${sim.authorityUrl}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
        scope: `${sim.graphUrl}/.default`,
      }).toString(),
    });
    const body = (await response.body.json()) as { access_token?: string };
    if (body.access_token === undefined) throw new Error(`no token: ${JSON.stringify(body)}`);
    return body.access_token;
  } finally {
    await dispatcher.close();
  }
}

describe('presence-connector run --config (child process)', () => {
  it('publishes to Kafka, logs pino JSON without secrets or tokens, and exits 0 on SIGTERM within the shutdown timeout', async () => {
    const topic = uniqueTopic('cli-run');
    const config = simulatorConfig(
      dir,
      simulator,
      { brokers: kafkaBrokers(), topic },
      { shutdown: { timeoutSeconds: SHUTDOWN_TIMEOUT_SECONDS } },
    );
    const cli = startCli(['run', '--config', config], { PRESENCE_TENANT_CLIENT_SECRET: simulator.clientSecret });
    let exit: Awaited<ReturnType<typeof cli.stop>> | undefined;
    try {
      await cli.explain(waitForTopic(topic));
      const snapshots = (await cli.explain(readMessages(topic, { count: USERS, timeoutMs: 40_000 }))).map(decode);
      expect(new Set(snapshots.map((event) => event.userId))).toEqual(new Set(simulator.userIds()));

      // A revoked token makes the connector authenticate again: the path where a token is most likely to be logged.
      const tokensBefore = simulator.recording.counters().tokenRequests;
      simulator.revokeTokens();
      simulator.changeUsers([0, 7]);
      const all = (await cli.explain(readMessages(topic, { count: USERS + 2, timeoutMs: 30_000 }))).map(decode);
      expect(
        all
          .filter((event) => event.kind === 'CHANGE')
          .map((event) => event.userId)
          .sort(),
      ).toEqual([simulator.userIdAt(0), simulator.userIdAt(7)].sort());
      expect(simulator.recording.counters().tokenRequests).toBeGreaterThan(tokensBefore);
      exit = await cli.stop('SIGTERM');
    } finally {
      if (exit === undefined) cli.child.kill('SIGKILL');
    }
    expect(exit, cli.stderrText()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(SHUTDOWN_TIMEOUT_SECONDS * 1000);

    const lines = cli.stdoutLines();
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(record).toMatchObject({
        level: expect.any(Number),
        time: expect.any(Number),
        msg: expect.any(String),
        name: 'presence-connector',
      });
    }
    // Debug logs of a whole run, including the re-authentication: enough lines for the checks below to mean something.
    expect(records.some((record) => record['level'] === 20)).toBe(true);
    expect(records.at(-1)?.['msg']).toBe('stopped cleanly');

    const sample = await issueToken(simulator);
    expect(sample).toMatch(JWT);
    // Node 24 warns about kafkajs's negative request-queue timer; the CLI drops exactly that warning.
    expect(cli.stderrText()).not.toContain('TimeoutNegativeWarning');
    for (const line of [...lines, ...cli.stderrText().split('\n')]) {
      expect(line).not.toContain(simulator.clientSecret);
      expect(line).not.toMatch(JWT);
      expect(line).not.toMatch(BEARER);
    }
  });
});
