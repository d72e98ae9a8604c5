/**
 * The backoff in front of the token endpoint, with a clock of the test's own: one attempt per backoff step, every
 * call in between refused at once with the same error, concurrent calls sharing one attempt, a success resetting it.
 */
import { describe, expect, it } from 'vitest';
import { SignInGate, type SignInFailedInfo } from '../../src/auth/index.js';
import { classifySignInFailure, signInError } from '../../src/auth/sign-in-failure.js';
import { type ConnectorError, ErrorCodes } from '../../src/errors.js';

const context = { clientId: 'app', tenantId: 'tenant', authorityUrl: 'https://login.example' };

function wrongSecret(): ConnectorError {
  const failure = classifySignInFailure({
    msalErrorCode: 'invalid_client',
    aadstsNumber: '7000215',
    status: 401,
    transportFailure: undefined,
    description: undefined,
  });
  return signInError(failure, { msalErrorCode: 'invalid_client', status: 401 }, context);
}

/** A gate on a manual clock whose attempts fail until `working` is set; counts the attempts. */
function gateOnClock(random = () => 0) {
  const clock = { now: 1_000_000 };
  const state = { attempts: 0, working: false };
  const failures: SignInFailedInfo[] = [];
  const successes: Array<{ failedAttempts: number; failingForMs: number }> = [];
  const gate = new SignInGate({
    backoff: { initialMs: 5_000, maxMs: 300_000 },
    now: () => clock.now,
    random,
    observer: { onSignInFailed: (info) => failures.push(info), onSignInSucceeded: (info) => successes.push(info) },
  });
  const attempt = async (): Promise<string> => {
    state.attempts++;
    if (state.working) return `token-${state.attempts}`;
    throw wrongSecret();
  };
  return { gate, clock, state, failures, successes, get: () => gate.acquire(false, attempt) };
}

describe('SignInGate', () => {
  it('asks once per backoff step and refuses every call in between with the same error', async () => {
    const { clock, state, failures, get } = gateOnClock();
    const first = await get().catch((error: unknown) => error);
    expect(first).toMatchObject({ code: ErrorCodes.AUTH_FAILED, details: { reason: 'wrong-secret' } });
    // random 0: each step is the lower half's edge, initialMs * 2^n / 2: 2.5 s, 5 s, 10 s, ...
    expect(failures.map((failure) => failure.retryInMs)).toEqual([2_500]);
    for (let i = 0; i < 20; i++) await expect(get()).rejects.toBe(first);
    expect(state.attempts).toBe(1);
    clock.now += 2_500;
    await expect(get()).rejects.toMatchObject({ code: ErrorCodes.AUTH_FAILED });
    expect(state.attempts).toBe(2);
    expect(failures.map((failure) => [failure.failedAttempts, failure.retryInMs])).toEqual([
      [1, 2_500],
      [2, 5_000],
    ]);
    expect(failures[1]?.failingForMs).toBe(2_500);
  });

  it('makes at most five attempts in the first minute of a failure and about one per 2.5-5 minutes later', async () => {
    for (const random of [() => 0, () => 0.999]) {
      const { clock, state, get } = gateOnClock(random);
      const attemptsAt: number[] = [];
      for (let second = 0; second <= 3600; second++) {
        const before = state.attempts;
        await get().catch(() => undefined);
        if (state.attempts > before) attemptsAt.push(second);
        clock.now += 1_000;
      }
      expect(attemptsAt.filter((at) => at < 60).length).toBeLessThanOrEqual(5);
      const lastHalfHour = attemptsAt.filter((at) => at >= 1800).length;
      expect(lastHalfHour).toBeGreaterThanOrEqual(6); // capped at 5 minutes: still tried, a fix in Entra ID is seen
      expect(lastHalfHour).toBeLessThanOrEqual(12);
    }
  });

  it('lets concurrent callers share the attempt in flight', async () => {
    const { state, get } = gateOnClock();
    state.working = true;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => get()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(state.attempts).toBe(1);
  });

  it('keeps a forced refresh apart from a plain call in flight', async () => {
    const { gate } = gateOnClock();
    const plain = gate.acquire(false, async () => 'cached');
    const forced = gate.acquire(true, async () => 'fresh');
    expect(await Promise.all([plain, forced])).toEqual(['cached', 'fresh']);
  });

  it('resets on success: reports the recovery once, and a later failure starts the backoff from the start', async () => {
    const { clock, state, failures, successes, get } = gateOnClock();
    await get().catch(() => undefined);
    clock.now += 2_500;
    await get().catch(() => undefined);
    state.working = true;
    clock.now += 5_000;
    await expect(get()).resolves.toBe('token-3');
    expect(successes).toEqual([{ failedAttempts: 2, failingForMs: 7_500 }]);
    await get();
    expect(successes).toHaveLength(1);
    state.working = false;
    await get().catch(() => undefined);
    expect(failures.at(-1)).toMatchObject({ failedAttempts: 1, retryInMs: 2_500 });
  });

  it('reports the first success too (readiness and the gauge start from it)', async () => {
    const { state, successes, get } = gateOnClock();
    state.working = true;
    await get();
    expect(successes).toEqual([{ failedAttempts: 0, failingForMs: 0 }]);
  });

  it('does not gate an error that is no classified sign-in failure (a bug reaches every caller)', async () => {
    const gate = new SignInGate({ now: () => 0 });
    let calls = 0;
    const attempt = async (): Promise<string> => {
      calls++;
      throw new TypeError('bug');
    };
    await expect(gate.acquire(false, attempt)).rejects.toThrow(TypeError);
    await expect(gate.acquire(false, attempt)).rejects.toThrow(TypeError);
    expect(calls).toBe(2);
    expect(gate.failure).toBeUndefined();
  });

  it('asks again soon after a failure that cures itself (Entra 503): 250 ms doubling to 5 s, not the slow schedule', async () => {
    const failure = classifySignInFailure({
      msalErrorCode: 'server_error',
      aadstsNumber: undefined,
      status: 503,
      transportFailure: undefined,
      description: undefined,
    });
    const error = signInError(failure, { msalErrorCode: 'server_error', status: 503 }, context);
    expect(error.retriable).toBe(true);
    const failures: SignInFailedInfo[] = [];
    const clock = { now: 0 };
    const gate = new SignInGate({
      now: () => clock.now,
      random: () => 0,
      observer: { onSignInFailed: (info) => failures.push(info) },
    });
    for (let i = 0; i < 8; i++) {
      await gate.acquire(false, () => Promise.reject(error)).catch(() => undefined);
      clock.now += failures.at(-1)?.retryInMs ?? 0;
    }
    expect(failures.map((info) => info.retryInMs)).toEqual([125, 250, 500, 1_000, 2_000, 2_500, 2_500, 2_500]);
  });
});
