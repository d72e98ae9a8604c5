/**
 * The whole Graph side as a worker runs it (real MSAL and undici against the simulator, the presence client, the
 * shard poller, the observers that turn failures into log lines, readiness and metrics), on a clock of the test's
 * own so that minutes pass in a second. A wrong secret: a handful of token requests a minute however many batches
 * ask, no presence request, a few log lines a minute. A Graph 5xx storm: one warn line per minute, and readiness
 * that says why.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_BACKOFF } from '../../src/auth/index.js';
import { ConnectorMetrics, WorkerHealth } from '../../src/observability/index.js';
import { cycleFailureReporter, cycleFailureSummary, signInObserver } from '../../src/observability/failure-log.js';
import { ShardPoller } from '../../src/poller/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { graphStack, simulatorConnection } from './support/graph-stack.js';

type Line = Record<string, unknown> & { level: number; msg: string; time: number };

let simulator: GraphSimulator;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 100, autoChurn: false });
});

afterEach(() => {
  simulator.setFaults({ serverErrorShare: 0 });
  simulator.resetRecording();
});

afterAll(async () => {
  await simulator?.close();
});

/** A worker's Graph side for one shard of 100 users in 20 batches, on `clock`, logging into `lines`. */
function shardOnClock(clock: { now: number }, secret: string) {
  const lines: Line[] = [];
  // pino stamps its own time: the test's clock is what counts for the windows.
  const logger = pino(
    { level: 'debug', timestamp: () => `,"time":${clock.now}` },
    {
      write: (line: string) => void lines.push(JSON.parse(line) as Line),
    },
  );
  const metrics = new ConnectorMetrics({ collectProcessMetrics: false });
  const health = new WorkerHealth();
  health.recordSinkConnected();
  health.recordOwnedShards(['s1']);
  const now = () => clock.now;
  const { dispatcher, tokens } = simulatorConnection(simulator, {
    credential: { kind: 'secret', clientSecret: secret },
    observer: signInObserver({ metrics, health, logger }, { now }),
    now,
    random: () => 0.5,
  });
  const client = graphStack(simulator).client({ tokens, dispatcher });
  const reportFailures = cycleFailureReporter(logger, { now });
  const poller = new ShardPoller({
    shard: { name: 's1', userIds: simulator.userIds() },
    intervalMs: 1000,
    startDelayMs: 0,
    batchSize: 5,
    fetchBatch: (ids, signal) => client.fetchPresences(ids, signal),
    deliverBatch: async () => undefined,
    logger,
    now,
    observer: {
      onCycle: (report) => {
        health.recordCycle(report.shard, report.failedBatches === 0, cycleFailureSummary(report));
        reportFailures(report);
      },
    },
  });
  const loudPerMinute = (minute: number) =>
    lines.filter((line) => line.level >= 40 && Math.floor(line.time / 60_000) === minute);
  return { poller, health, metrics, lines, loudPerMinute, close: () => dispatcher.close() };
}

describe('a wrong client secret', () => {
  it('costs a handful of token requests and a few log lines a minute, however many batches ask', async () => {
    const clock = { now: 0 };
    const shard = shardOnClock(clock, 'not-the-secret');
    const tokenRequestsByMinute: number[] = [];
    try {
      for (let minute = 0; minute < 3; minute++) {
        const before = simulator.recording.counters().tokenRequests;
        // A cycle a second: 60 cycles of 20 batches, 1,200 calls for a token.
        for (let second = 0; second < 60; second++) {
          const report = await shard.poller.pollOnce();
          expect(report).toMatchObject({ batches: 20, failedBatches: 20 });
          clock.now += 1000;
        }
        tokenRequestsByMinute.push(simulator.recording.counters().tokenRequests - before);
      }
    } finally {
      await shard.close();
    }
    // The backoff (5 s doubling to 5 min, upper half of each step): 5 in the first minute, then fewer.
    expect(SIGN_IN_BACKOFF).toEqual({ initialMs: 5_000, maxMs: 300_000 });
    expect(tokenRequestsByMinute[0]).toBeLessThanOrEqual(5);
    expect(tokenRequestsByMinute[0]).toBeGreaterThanOrEqual(3);
    expect(tokenRequestsByMinute[1]).toBeLessThanOrEqual(2);
    expect(tokenRequestsByMinute[2]).toBeLessThanOrEqual(1);
    expect(simulator.recording.counters().presenceRequests).toBe(0);

    // At most the sign-in line and the batches line a minute, both errors, no stack above debug.
    for (let minute = 0; minute < 3; minute++) expect(shard.loudPerMinute(minute).length).toBeLessThanOrEqual(2);
    const loud = shard.lines.filter((line) => line.level >= 30);
    expect(JSON.stringify(loud)).not.toContain('"stack"');
    const first = shard.loudPerMinute(0);
    expect(first.map((line) => line.level)).toEqual([50, 50]);
    expect(first[0]?.msg).toMatch(/^Graph sign-in failed: the client secret is wrong \(AADSTS7000215\)\. To fix: /);
    expect(first[1]?.msg).toBe(
      'shard s1: 20 batches failed: Graph sign-in failing: the client secret is wrong (AADSTS7000215); retried next cycle',
    );

    expect(shard.health.status().reasons).toEqual([
      'Graph sign-in failing: the client secret is wrong (AADSTS7000215)',
      'shard s1 has not completed a clean cycle yet: Graph sign-in failing: the client secret is wrong (AADSTS7000215) on 20 of 20 batches',
    ]);
    const failures = (await shard.metrics.graphSignInFailures.get()).values;
    expect(failures).toEqual([
      expect.objectContaining({
        labels: { reason: 'wrong-secret' },
        value: tokenRequestsByMinute.reduce((a, b) => a + b, 0),
      }),
    ]);
    expect((await shard.metrics.graphSignInOk.get()).values[0]?.value).toBe(0);
  });
});

describe('a Graph 5xx storm', () => {
  it('is one warn line a minute naming the status, and readiness says why after three failed cycles', async () => {
    simulator.setFaults({ serverErrorShare: 1, serverErrorStatuses: [503], serverErrorRetryAfterShare: 0 });
    const clock = { now: 0 };
    const shard = shardOnClock(clock, simulator.clientSecret);
    try {
      // 20 batches, 3 attempts each: 60 requests a cycle; ten cycles 10 s apart stay within the test budget.
      for (let cycle = 0; cycle < 10; cycle++) {
        await shard.poller.pollOnce();
        clock.now += 10_000;
      }
    } finally {
      await shard.close();
    }
    const loud = shard.lines.filter((line) => line.level >= 40);
    expect(loud.map((line) => [line.level, line.msg])).toEqual([
      [40, 'shard s1: 20 batches failed: Graph unavailable: HTTP 503; retried next cycle'],
      [40, 'shard s1: 120 batches failed in the last 60 s: Graph unavailable: HTTP 503; retried next cycle'],
    ]);
    expect(shard.health.status().reasons).toEqual([
      'shard s1 has not completed a clean cycle yet: Graph unavailable: HTTP 503 on 20 of 20 batches',
    ]);
    expect((await shard.metrics.graphSignInOk.get()).values[0]?.value).toBe(1);
  });
});
