/**
 * Each fault of the simulator's token endpoint against the real MSAL and undici code, with the observers a worker
 * uses (log lines, readiness, metrics), on a clock of the test's own so that minutes pass in a second: the number
 * of token requests over a span (the backoff, and Retry-After honoured), one log line per cause per 60 s without a
 * stack above debug, and the readiness reason; then recovery once the fault is gone.
 */
import { pino } from 'pino';
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider, type TokenProvider } from '../../src/auth/index.js';
import { createHttpDispatcher } from '../../src/http/index.js';
import { ConnectorMetrics, WorkerHealth } from '../../src/observability/index.js';
import { signInObserver } from '../../src/observability/failure-log.js';
import { startGraphSimulator, type GraphSimulator, type TokenEndpointFaults } from '../../src/simulator/index.js';

type Line = Record<string, unknown> & { level: number; msg: string; time: number };

let simulator: GraphSimulator;
let dispatcher: Dispatcher;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 5, autoChurn: false });
  dispatcher = createHttpDispatcher({ connectionsPerOrigin: 4, extraCaPem: simulator.caCertificatePem, env: {} });
});

afterEach(() => {
  simulator.setTokenFaults({
    throttleShare: 0,
    serverErrorShare: 0,
    notJsonShare: 0,
    missingAccessTokenShare: 0,
    delayMs: 0,
  });
  simulator.resetRecording();
});

afterAll(async () => {
  await dispatcher?.close();
  await simulator?.close();
});

/** A token provider as a worker builds it, on `clock`, logging into `lines`, with its readiness and metrics. */
function signInOnClock(options: { secret?: string; requestTimeoutMs?: number } = {}) {
  const clock = { now: 0 };
  const now = () => clock.now;
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug', timestamp: () => `,"time":${clock.now}` },
    {
      write: (line: string) => {
        raw.push(line);
        lines.push(JSON.parse(line) as Line);
      },
    },
  );
  const metrics = new ConnectorMetrics({ collectProcessMetrics: false });
  const health = new WorkerHealth();
  const observer = signInObserver({ metrics, health, logger }, { now });
  const failedAt: number[] = [];
  const tokens: TokenProvider = createTokenProvider({
    tenantId: simulator.tenantId,
    clientId: simulator.clientId,
    authorityUrl: new URL(simulator.authorityUrl).origin,
    scope: `${simulator.graphUrl}/.default`,
    credential: { kind: 'secret', clientSecret: options.secret ?? simulator.clientSecret },
    dispatcher,
    trustAuthorityHost: true,
    observer: {
      ...observer,
      onSignInFailed: (info) => {
        failedAt.push(clock.now);
        observer.onSignInFailed?.(info);
      },
    },
    now,
    random: () => 0.5,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
  });
  /** Asks for a token every 100 ms of the clock for `seconds`; returns the clock times of the token requests. */
  const drive = async (seconds: number): Promise<number[]> => {
    const requestsAt: number[] = [];
    const end = clock.now + seconds * 1000;
    while (clock.now < end) {
      const before = tokenRequests();
      await tokens.getToken().catch(() => undefined);
      if (tokenRequests() > before) requestsAt.push(clock.now);
      clock.now += 100;
    }
    return requestsAt;
  };
  const loud = () => lines.filter((line) => line.level >= 40);
  return { clock, tokens, lines, raw, health, metrics, drive, loud, failedAt };
}

function tokenRequests(): number {
  return simulator.recording.counters().tokenRequests;
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - (times[i] ?? 0));
}

/** No stack trace at info or above (they are logged at debug), and no `err` on the loud lines. */
function expectNoStackAboveDebug(raw: string[], lines: Line[]): void {
  expect(raw.filter((line) => Number((JSON.parse(line) as Line).level) >= 30).join('\n')).not.toMatch(/"stack"/);
  expect(lines.filter((line) => line.level >= 40).every((line) => line.err === undefined)).toBe(true);
}

/** One line per cause per 60 s window: lines of one cause are at least 60 s apart. */
function expectOnePerMinute(lines: Line[]): void {
  const times = lines.map((line) => line.time);
  expect(gaps(times).every((gap) => gap >= 60_000)).toBe(true);
}

async function faultThenRecovery(fault: Partial<TokenEndpointFaults>, seconds: number) {
  const run = signInOnClock();
  simulator.setTokenFaults(fault);
  const requestsAt = await run.drive(seconds);
  const reasons = run.health.status().reasons;
  simulator.setTokenFaults({ throttleShare: 0, serverErrorShare: 0, notJsonShare: 0, missingAccessTokenShare: 0 });
  const afterFault = await run.drive(70);
  return { ...run, requestsAt, reasons, afterFault };
}

describe('token endpoint faults: backoff, one line per cause per minute, readiness', () => {
  it('5xx without Retry-After: retried soon and spaced out (250 ms doubling to 5 s), a warn line a minute', async () => {
    const run = await faultThenRecovery(
      { serverErrorShare: 1, serverErrorStatuses: [503], serverErrorRetryAfterShare: 0 },
      120,
    );
    // 1,200 calls in two minutes; steps of 0.19, 0.38, 0.75, 1.5, 3, then 3.75 s: about 35 requests.
    expect(run.requestsAt.length).toBeGreaterThanOrEqual(25);
    expect(run.requestsAt.length).toBeLessThanOrEqual(40);
    expect(
      gaps(run.requestsAt)
        .slice(5)
        .every((gap) => gap >= 3_700),
    ).toBe(true);
    expect(run.reasons).toContain('Graph sign-in failing: Entra ID is temporarily unavailable (AADSTS90033)');
    const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
    expect(signIn.map((line) => line.level)).toEqual([40, 40]);
    expect(signIn[0]?.msg).toMatch(/^Graph sign-in failed: Entra ID is temporarily unavailable \(AADSTS90033\)/);
    expect(signIn[0]).toMatchObject({ reason: 'entra-unavailable', status: 503, code: 'AUTH_FAILED' });
    expectOnePerMinute(signIn);
    expectNoStackAboveDebug(run.raw, run.lines);
    // Recovered at the next attempt: one request, then the cached token; ready as far as sign-in goes.
    expect(run.afterFault.length).toBe(1);
    expect(run.health.status().reasons.some((reason) => reason.startsWith('Graph sign-in'))).toBe(false);
    expect(run.lines.some((line) => line.level === 30 && /^Graph sign-in works again/.test(line.msg))).toBe(true);
  });

  it('5xx with Retry-After: no request before the Retry-After ends', async () => {
    const run = await faultThenRecovery(
      {
        serverErrorShare: 1,
        serverErrorStatuses: [500],
        serverErrorRetryAfterShare: 1,
        serverErrorRetryAfterSeconds: 2,
      },
      60,
    );
    expect(gaps(run.requestsAt).every((gap) => gap >= 2_000)).toBe(true);
    // 2 s each while the backoff is shorter, then 3 and 3.75 s: about 18 in a minute.
    expect(run.requestsAt.length).toBeGreaterThanOrEqual(14);
    expect(run.requestsAt.length).toBeLessThanOrEqual(22);
    expect(run.reasons).toContain('Graph sign-in failing: Entra ID answered HTTP 500 (AADSTS50000)');
    const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ level: 40, reason: 'entra-unavailable', retryAfterMs: 2_000 });
    expectNoStackAboveDebug(run.raw, run.lines);
    expect(run.afterFault.length).toBe(1);
  });

  it("429: Entra ID's Retry-After (60 s) is honoured, once a minute, warn", async () => {
    const run = await faultThenRecovery({ throttleShare: 1 }, 180);
    expect(run.requestsAt).toEqual([0, 60_000, 120_000]);
    expect(run.reasons).toContain('Graph sign-in failing: Entra ID throttled the sign-in (HTTP 429) (AADSTS90055)');
    const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
    expect(signIn.length).toBeLessThanOrEqual(3);
    expect(signIn.every((line) => line.level === 40 && line.reason === 'throttled')).toBe(true);
    expectOnePerMinute(signIn);
    expect(signIn[0]?.msg).toMatch(/next sign-in attempt in 60 s/);
    expectNoStackAboveDebug(run.raw, run.lines);
    // The last Retry-After ends at 180 s: the first attempt after it succeeds.
    expect(run.afterFault).toEqual([180_000]);
  });

  it('a body that is not JSON: bad-answer, retried soon, warn', async () => {
    const run = await faultThenRecovery({ notJsonShare: 1 }, 60);
    expect(run.requestsAt.length).toBeGreaterThanOrEqual(12);
    expect(run.requestsAt.length).toBeLessThanOrEqual(22);
    expect(run.reasons).toContain(
      "Graph sign-in failing: Entra ID's answer could not be used: it is not JSON (bad-answer)",
    );
    const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ level: 40, reason: 'bad-answer' });
    expectNoStackAboveDebug(run.raw, run.lines);
    expect(run.afterFault.length).toBe(1);
  });

  it('JSON without access_token: bad-answer, retried soon, warn', async () => {
    const run = await faultThenRecovery({ missingAccessTokenShare: 1 }, 60);
    expect(run.requestsAt.length).toBeGreaterThanOrEqual(12);
    expect(run.requestsAt.length).toBeLessThanOrEqual(22);
    expect(run.reasons).toContain(
      "Graph sign-in failing: Entra ID's answer could not be used: it holds no access token (bad-answer)",
    );
    const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ level: 40, reason: 'bad-answer' });
    expect(run.afterFault.length).toBe(1);
  });

  it('invalid_client after the secret was rotated: an ERROR a minute, 5 s doubling to 5 minutes', async () => {
    const run = signInOnClock();
    expect(await run.tokens.getToken()).toEqual(expect.any(String));
    const original = simulator.clientSecret;
    simulator.rotateClientSecret();
    try {
      // The cached token is the caller's until it is refused: a 401 makes it ask again, with the old secret.
      await run.tokens.getToken(true).catch(() => undefined);
      const requestsAt = await run.drive(300);
      // One every 3.75, 7.5, 15, 30, 60, 120 s of the clock (random 0.5: three quarters of each step).
      expect(requestsAt.length).toBeGreaterThanOrEqual(5);
      expect(requestsAt.length).toBeLessThanOrEqual(8);
      expect(run.health.status().reasons).toContain(
        'Graph sign-in failing: the client secret is wrong (AADSTS7000215)',
      );
      const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
      expect(signIn.every((line) => line.level === 50 && line.aadsts === 'AADSTS7000215')).toBe(true);
      expectOnePerMinute(signIn);
      expectNoStackAboveDebug(run.raw, run.lines);
      expect(run.raw.join('\n')).not.toContain(simulator.clientSecret);
    } finally {
      simulator.rotateClientSecret(original);
    }
  });
});

describe('a slow token endpoint', () => {
  it('answers within the timeout: the token comes, late', async () => {
    simulator.setTokenFaults({ delayMs: 300 });
    const run = signInOnClock({ requestTimeoutMs: 5_000 });
    const started = performance.now();
    expect(await run.tokens.getToken()).toEqual(expect.any(String));
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('answers after the timeout: endpoint-unreachable ("no answer within"), retried soon, warn', async () => {
    simulator.setTokenFaults({ delayMs: 1_000 });
    const run = signInOnClock({ requestTimeoutMs: 200 });
    await run.drive(5);
    // Attempts (the simulator records a request only once its late answer is sent): 0.19, 0.38, 0.75, 1.5 s
    // apart, a handful in 5 s, not 50.
    expect(run.failedAt.length).toBeGreaterThanOrEqual(4);
    expect(run.failedAt.length).toBeLessThanOrEqual(6);
    const reasons = run.health.status().reasons.join('\n');
    expect(reasons).toMatch(
      /Graph sign-in failing: the sign-in endpoint could not be reached \(.*no answer within 0\.2 s\)/,
    );
    const signIn = run.loud().filter((line) => line.msg.includes('sign-in'));
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ level: 40, reason: 'endpoint-unreachable' });
    expectNoStackAboveDebug(run.raw, run.lines);
  });
});
