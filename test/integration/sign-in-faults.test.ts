/**
 * A client secret rotated while a worker runs (issue 16, "Sign-in faults"), against a real broker: the worker reads
 * its secret from tenant.clientSecretFile; the app registration's secret is replaced (the simulator's old secret then
 * answers invalid_client, AADSTS7000215) and Graph refuses the worker's token; the worker says so (an ERROR naming
 * the file, readiness); the new secret is written to the file, and the same worker, not restarted, signs in with it
 * and polls again.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createWorker, type Worker } from '../../src/pipeline/index.js';
import { startHarness, type Harness } from '../support/connector-harness.js';

let harness: Harness | undefined;
let worker: Worker | undefined;
let folder: string | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await harness?.dispose();
  harness = undefined;
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
});

type Line = Record<string, unknown> & { level: number; msg: string };

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('a client secret rotated while the worker runs', () => {
  it('is read again from clientSecretFile after invalid_client: the worker recovers without a restart', async () => {
    harness = await startHarness({
      userCount: 40,
      settings: { graph: { batchSize: 10 }, polling: { intervalSeconds: 1 } },
    });
    const { simulator } = harness;
    folder = mkdtempSync(join(tmpdir(), 'secret-rotation-'));
    const secretFile = join(folder, 'graph-client-secret');
    writeFileSync(secretFile, `${simulator.clientSecret}\n`, { mode: 0o600 });
    const config = loadConfig({ file: harness.configFile, env: { PRESENCE_TENANT_CLIENT_SECRET_FILE: secretFile } });
    const lines: Line[] = [];
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line === '') continue;
          raw.push(line);
          lines.push(JSON.parse(line) as Line);
        }
        callback();
      },
    });
    worker = createWorker(config, { logger: createLogger({ level: 'debug', destination }), random: () => 0 });
    const running = worker;
    await running.start();
    await harness.waitForRequests(8, 60_000);

    const oldSecret = simulator.clientSecret;
    const newSecret = simulator.rotateClientSecret();
    // Graph refuses the token the worker holds (a real rotation shows once the token expires; this is sooner).
    simulator.revokeTokens();
    const signInFailing = () => running.health().reasons.some((reason) => reason.startsWith('Graph sign-in failing'));
    await waitFor('readiness to name the refused secret', signInFailing, 30_000);
    expect(running.health().reasons).toContain('Graph sign-in failing: the client secret is wrong (AADSTS7000215)');
    const refused = lines.filter((line) => line.level === 50 && line.msg.includes('AADSTS7000215'));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]?.msg).toContain(
      `to ${secretFile}: the connector reads that file again after each refused sign-in`,
    );

    const tokenRequestsBefore = simulator.recording.counters().tokenRequests;
    writeFileSync(secretFile, `${newSecret}\n`);
    await waitFor('sign-in to work again', () => !signInFailing(), 30_000);
    await harness.waitForRequests(8, 30_000);
    expect(running).toBe(worker);
    expect(lines.some((line) => line.level === 30 && /^Graph sign-in works again/.test(line.msg))).toBe(true);
    // The file is looked at once a second while refused, and the new secret used at once: a request or two.
    expect(simulator.recording.counters().tokenRequests - tokenRequestsBefore).toBeLessThanOrEqual(2);
    // Neither secret reaches the log; no stack above debug.
    const text = raw.join('\n');
    expect(text).not.toContain(oldSecret);
    expect(text).not.toContain(newSecret);
    expect(raw.filter((line) => Number((JSON.parse(line) as Line).level) >= 30).join('\n')).not.toMatch(/"stack"/);
  });
});
