/**
 * One line per cause per interval: the window itself on a clock of the test's own, the words each failure class
 * is told in, the level (warn for what retries cure, error for what a person must fix), no stack above debug, and
 * the sign-in observer's metrics, readiness and recovery line.
 */
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { classifySignInFailure, signInError } from '../../src/auth/sign-in-failure.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import {
  cycleFailureReporter,
  cycleFailureSummary,
  describeFailure,
  FailureLog,
  signInObserver,
} from '../../src/observability/failure-log.js';
import { ConnectorMetrics, WorkerHealth } from '../../src/observability/index.js';
import { groupFailures, type CycleReport } from '../../src/poller/index.js';

type Line = Record<string, unknown> & { level: number; msg: string };

function capture(): { logger: Logger; lines: Line[]; loud: () => Line[] } {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return { logger, lines, loud: () => lines.filter((line) => line.level >= 40) };
}

function wrongSecret(): ConnectorError {
  const evidence = { msalErrorCode: 'invalid_client', status: 401 };
  const failure = classifySignInFailure({
    ...evidence,
    aadstsNumber: '7000215',
    transportFailure: undefined,
    description: undefined,
  });
  return signInError(failure, evidence, { clientId: 'app-1', tenantId: 'tenant-1', authorityUrl: 'https://x' });
}

const unavailable = (status: number) =>
  new ConnectorError(ErrorCodes.GRAPH_UNAVAILABLE, `Graph answered HTTP ${status}`, {
    retriable: true,
    details: { status },
  });

function cycle(shard: string, batches: number, errors: Error[]): CycleReport {
  return {
    shard,
    durationMs: 10,
    lagMs: 0,
    batches,
    failedBatches: errors.length,
    failures: groupFailures(errors.map((error) => ({ step: 'batch' as const, error }))),
  };
}

describe('FailureLog', () => {
  it('logs a cause at once, then at most once per window with what happened since', () => {
    const { logger, lines } = capture();
    const clock = { now: 0 };
    const log = new FailureLog(logger, { windowMs: 60_000, now: () => clock.now });
    const occurrence = (shard: string) => ({
      level: 'warn' as const,
      shard,
      count: 2,
      message: ({ count, shards, sinceMs }: { count: number; shards: string[]; sinceMs: number | undefined }) =>
        `${count} in ${shards.join('+')} since ${sinceMs ?? 'start'}`,
    });
    expect(log.report('a', occurrence('s1'))).toBe(true);
    for (let second = 1; second < 60; second++) {
      clock.now = second * 1000;
      expect(log.report('a', occurrence(second % 2 === 0 ? 's1' : 's2'))).toBe(false);
    }
    clock.now = 60_000;
    expect(log.report('a', occurrence('s3'))).toBe(true);
    // Another cause has its own window.
    expect(log.report('b', occurrence('s1'))).toBe(true);
    expect(lines.map((line) => line.msg)).toEqual([
      '2 in s1 since start',
      '120 in s1+s2+s3 since 60000',
      '2 in s1 since start',
    ]);
    expect(lines[1]).toMatchObject({ level: 40, cause: 'a', failures: 120 });
    log.forget('a');
    expect(log.report('a', occurrence('s1'))).toBe(true);
  });

  it('logs the error behind a line with its stack at debug only', () => {
    const { logger, lines } = capture();
    new FailureLog(logger).report('x', { level: 'error', message: () => 'broken', error: new Error('boom') });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [50, 'broken'],
      [20, 'the failure behind the previous line, with its stack'],
    ]);
    expect(JSON.stringify(lines[0])).not.toContain('stack');
    expect(JSON.stringify(lines[1])).toContain('stack');
  });
});

describe('describeFailure', () => {
  it('names each failure class and its code', () => {
    expect(describeFailure(wrongSecret())).toBe('Graph sign-in failing: the client secret is wrong (AADSTS7000215)');
    expect(describeFailure(unavailable(503))).toBe('Graph unavailable: HTTP 503');
    expect(describeFailure(new ConnectorError(ErrorCodes.GRAPH_TIMEOUT, 'Graph did not answer within 5000 ms'))).toBe(
      'Graph unavailable: Graph did not answer within 5000 ms',
    );
    const refused = new ConnectorError(ErrorCodes.GRAPH_NETWORK, 'could not reach Microsoft Graph', {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:9'),
    });
    expect(describeFailure(refused)).toBe('Graph unreachable: connect ECONNREFUSED 127.0.0.1:9');
    expect(describeFailure(new ConnectorError(ErrorCodes.SINK_UNAVAILABLE, 'broker away'))).toBe('Kafka: broker away');
    expect(describeFailure(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
  });
});

describe('cycleFailureReporter', () => {
  it('writes one line per cause per minute for the whole worker, at warn for a Graph outage', () => {
    const { logger, loud } = capture();
    const clock = { now: 0 };
    const report = cycleFailureReporter(logger, { now: () => clock.now });
    // Four shards, twenty batches each, a cycle a second for three minutes: 14,400 failed batches.
    for (let second = 0; second < 180; second++) {
      clock.now = second * 1000;
      for (const shard of ['s1', 's2', 's3', 's4']) report(cycle(shard, 20, Array(20).fill(unavailable(503))));
    }
    const lines = loud();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'shard s1: 20 batches failed: Graph unavailable: HTTP 503; retried next cycle'],
      [
        40,
        'shards s1, s2, s3, s4: 4800 batches failed in the last 60 s: Graph unavailable: HTTP 503; retried next cycle',
      ],
      [
        40,
        'shards s1, s2, s3, s4: 4800 batches failed in the last 60 s: Graph unavailable: HTTP 503; retried next cycle',
      ],
    ]);
    expect(lines[0]).toMatchObject({ code: 'GRAPH_UNAVAILABLE', cause: 'batch GRAPH_UNAVAILABLE:503', step: 'batch' });
    expect(JSON.stringify(lines)).not.toContain('stack');
  });

  it('tells causes apart, and logs what a person must fix at error', () => {
    const { logger, loud } = capture();
    const report = cycleFailureReporter(logger);
    report(cycle('s1', 3, [wrongSecret(), unavailable(503), unavailable(504)]));
    expect(loud().map((line) => [line.level, line.msg])).toEqual([
      [
        50,
        'shard s1: 1 batch failed: Graph sign-in failing: the client secret is wrong (AADSTS7000215); retried next cycle',
      ],
      [40, 'shard s1: 1 batch failed: Graph unavailable: HTTP 503; retried next cycle'],
      [40, 'shard s1: 1 batch failed: Graph unavailable: HTTP 504; retried next cycle'],
    ]);
  });
});

describe('cycleFailureSummary', () => {
  it('says why a cycle failed by its most frequent cause, for readiness', () => {
    expect(cycleFailureSummary(cycle('s1', 20, [...Array(19).fill(unavailable(503)), wrongSecret()]))).toBe(
      'Graph unavailable: HTTP 503 on 19 of 20 batches',
    );
    expect(cycleFailureSummary(cycle('s1', 20, []))).toBeUndefined();
  });
});

describe('signInObserver', () => {
  it('counts, sets readiness and the gauge, logs one error per minute with the code, and the recovery at info', async () => {
    const { logger, lines, loud } = capture();
    const metrics = new ConnectorMetrics({ collectProcessMetrics: false });
    const health = new WorkerHealth();
    health.recordSinkConnected();
    health.recordOwnedShards([]);
    const clock = { now: 0 };
    const observer = signInObserver({ metrics, health, logger }, { now: () => clock.now });
    const error = wrongSecret();
    const failure = classifySignInFailure({
      msalErrorCode: 'invalid_client',
      aadstsNumber: '7000215',
      status: 401,
      transportFailure: undefined,
      description: undefined,
    });
    // Attempts at 0, 4, 12, 27, 57 and 117 s (the backoff's steps).
    for (const [index, at] of [0, 4, 12, 27, 57, 117].entries()) {
      clock.now = at * 1000;
      observer.onSignInFailed?.({
        error,
        failure,
        failedAttempts: index + 1,
        failingForMs: clock.now,
        retryInMs: 5000,
      });
    }
    expect(health.status().reasons).toEqual(['Graph sign-in failing: the client secret is wrong (AADSTS7000215)']);
    expect((await metrics.graphSignInFailures.get()).values).toEqual([
      expect.objectContaining({ labels: { reason: 'wrong-secret' }, value: 6 }),
    ]);
    expect((await metrics.graphSignInOk.get()).values[0]?.value).toBe(0);
    const errors = loud();
    expect(errors.map((line) => line.level)).toEqual([50, 50]);
    expect(errors[0]?.msg).toMatch(
      /^Graph sign-in failed: the client secret is wrong \(AADSTS7000215\)\. To fix: configure the secret's Value \(not its Secret ID\).*Polling waits; next sign-in attempt in 5 s/,
    );
    expect(errors[1]?.msg).toMatch(
      /^Graph sign-in still failing: .*\(AADSTS7000215\), 5 failed attempts in the last 117 s/,
    );
    expect(errors[0]).toMatchObject({ code: 'AUTH_FAILED', reason: 'wrong-secret', aadsts: 'AADSTS7000215' });
    expect(JSON.stringify(errors)).not.toContain('stack');

    clock.now = 120_000;
    observer.onSignInSucceeded?.({ failedAttempts: 6, failingForMs: 120_000 });
    expect(health.status()).toEqual({ live: true, ready: true, reasons: [] });
    expect((await metrics.graphSignInOk.get()).values[0]?.value).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      level: 30,
      msg: 'Graph sign-in works again, after 6 failed attempts over 120 s',
    });
    // A new failure after the recovery is told at once.
    observer.onSignInFailed?.({ error, failure, failedAttempts: 1, failingForMs: 0, retryInMs: 5000 });
    expect(loud()).toHaveLength(3);
  });

  it('logs a failure retries cure (Entra ID unreachable) at warn', () => {
    const { logger, loud } = capture();
    const failure = classifySignInFailure({
      msalErrorCode: 'endpoints_resolution_error',
      aadstsNumber: undefined,
      status: undefined,
      transportFailure: 'connect ECONNREFUSED',
      description: undefined,
    });
    const error = signInError(
      failure,
      { msalErrorCode: 'endpoints_resolution_error', status: undefined },
      {
        clientId: 'a',
        tenantId: 't',
        authorityUrl: 'https://x',
      },
    );
    const metrics = new ConnectorMetrics({ collectProcessMetrics: false });
    const observer = signInObserver({ metrics, health: new WorkerHealth(), logger });
    observer.onSignInFailed?.({ error, failure, failedAttempts: 1, failingForMs: 0, retryInMs: 3000 });
    expect(loud().map((line) => line.level)).toEqual([40]);
  });
});
