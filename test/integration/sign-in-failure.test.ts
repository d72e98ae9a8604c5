/**
 * A worker started with a wrong client secret (issue 14: it used to write one warn line with a stack per batch,
 * 390 in 45 s, and /readyz said only "has not completed a clean cycle yet"). Four shards of five batches each, a
 * cycle a second, against a real broker, for twenty seconds: a few log lines, at least one ERROR that names
 * AADSTS7000215 and says the secret is wrong, no stack above debug, readiness that names the sign-in failure, and
 * a handful of token requests. A secret from the environment is read once, at start: fixing it needs a restart (a
 * secret from tenant.clientSecretFile is read again after a refusal: sign-in-faults.test.ts).
 */
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/observability/index.js';
import { createWorker, type Worker } from '../../src/pipeline/index.js';
import { startHarness, type Harness } from '../support/connector-harness.js';

const RUN_MS = 20_000;

let harness: Harness | undefined;
let worker: Worker | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await harness?.dispose();
  harness = undefined;
});

type Line = Record<string, unknown> & { level: number; msg: string };

/**
 * A worker of the harness's config with another secret in the environment, as an operator who pasted the wrong
 * one would start it; its log lines (debug and up) kept parsed. The harness's own worker is never started.
 */
function workerWithSecret(configFile: string, secret: string): { worker: Worker; lines: Line[]; raw: string[] } {
  const config = loadConfig({ file: configFile, env: { PRESENCE_TENANT_CLIENT_SECRET: secret } });
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
  const logger = createLogger({ level: 'debug', destination });
  return { worker: createWorker(config, { logger, random: () => 0 }), lines, raw };
}

describe('a worker with a wrong client secret', () => {
  it('says so in a few ERROR lines with AADSTS7000215, in readiness, and asks Entra ID a handful of times', async () => {
    harness = await startHarness({
      userCount: 200,
      // Four shards of 50 users, batches of 10: 20 batches a cycle, a cycle a second.
      shards: (ids) =>
        [0, 1, 2, 3].map((index) => ({ name: `shard-${index}`, users: ids.slice(index * 50, index * 50 + 50) })),
      settings: { graph: { batchSize: 10 }, polling: { intervalSeconds: 1 } },
    });
    const { simulator } = harness;
    const started = workerWithSecret(harness.configFile, 'not-the-secret-value');
    worker = started.worker;
    const startedAt = Date.now();
    await worker.start();
    const reasons: string[][] = [];
    while (Date.now() - startedAt < RUN_MS) {
      await sleep(1_000);
      reasons.push(worker.health().reasons);
    }
    const status = worker.health();
    await worker.stop();
    worker = undefined;

    const counters = simulator.recording.counters();
    const loud = started.lines.filter((line) => line.level >= 40);
    const seen = JSON.stringify({
      tokenRequests: counters.tokenRequests,
      lines: loud.map((line) => `${line.level} ${line.msg}`),
      readiness: status.reasons,
    });

    // Readiness names the sign-in failure and its code (and every shard says why it has no clean cycle).
    expect(status.ready).toBe(false);
    expect(status.reasons).toContain('Graph sign-in failing: the client secret is wrong (AADSTS7000215)');
    for (const shard of ['shard-0', 'shard-1', 'shard-2', 'shard-3']) {
      expect(status.reasons).toContain(
        `shard ${shard} has not completed a clean cycle yet: Graph sign-in failing: the client secret is wrong (AADSTS7000215) on 5 of 5 batches`,
      );
    }
    // From the first seconds on, not only at the end.
    expect(reasons.slice(2).every((now) => now.some((reason) => reason.startsWith('Graph sign-in failing')))).toBe(
      true,
    );

    // A few lines, not one per batch (20 a second): the sign-in error and the batches' error, once a minute each
    // (the rest of the worker, Kafka, may add a warning of its own).
    expect(loud.length, seen).toBeLessThanOrEqual(5);
    expect(loud.filter((line) => line.msg.includes('sign-in')).length, seen).toBe(2);
    const signIn = loud.filter((line) => line.level === 50 && line.msg.includes('AADSTS7000215'));
    expect(signIn.length).toBeGreaterThanOrEqual(1);
    expect(signIn[0]?.msg).toMatch(/^Graph sign-in failed: the client secret is wrong \(AADSTS7000215\)\. To fix: /);
    expect(signIn[0]).toMatchObject({ code: 'AUTH_FAILED', reason: 'wrong-secret', aadsts: 'AADSTS7000215' });
    expect(loud.every((line) => line.err === undefined)).toBe(true);
    // No stack trace at info or above; they are at debug.
    const informative = started.raw.filter((line) => Number((JSON.parse(line) as Line).level) >= 30);
    expect(informative.join('\n')).not.toMatch(/"stack"|\\n\s+at /);
    expect(started.raw.some((line) => line.includes('"level":20') && line.includes('"stack"'))).toBe(true);
    // The wrong secret never reaches the log.
    expect(started.raw.join('\n')).not.toContain('not-the-secret-value');

    // The token endpoint: one request per backoff step (5 s doubling), never one per batch; nothing sent to Graph.
    expect(counters.tokenRequests, seen).toBeGreaterThanOrEqual(1);
    expect(counters.tokenRequests, seen).toBeLessThanOrEqual(5);
    expect(counters.presenceRequests).toBe(0);
  });
});
