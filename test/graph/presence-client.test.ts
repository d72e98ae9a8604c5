/**
 * GraphPresenceClient against the project's Graph simulator on a loopback port, through the real MSAL token
 * provider and undici dispatcher, without Kafka: the 400 split, the 401 token refresh, Retry-After, the retry
 * policy for transient failures, and the failures that must surface at once. Every assertion counts what the
 * simulator received, so a client that sent one request too many or too few fails here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TokenProvider } from '../../src/auth/index.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import type { PresenceBatchResult } from '../../src/graph/index.js';
import { freePort } from '../../scripts/support/index.js';
import { graphStack, presenceRequests, presenceStatuses, type GraphStack } from './support/graph-stack.js';

const UNKNOWN_USER = '0b9c6e1e-0000-4000-8000-000000000001';

let simulator: GraphSimulator;
let stack: GraphStack;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 50, autoChurn: false });
});

afterEach(async () => {
  await stack.close();
  simulator.setFaults({
    serverErrorShare: 0,
    serverErrorRetryAfterShare: 0.5,
    malformedJsonShare: 0,
    truncatedJsonShare: 0,
    rejectedIds: [],
    forbidden: false,
    unauthorized: false,
    latency: null,
  });
});

afterAll(async () => {
  await simulator?.close();
});

/** A fresh stack with the simulator's recording cleared after sign-in, so counts start at zero. */
async function freshStack(observer: Parameters<typeof graphStack>[1] = {}): Promise<GraphStack> {
  stack = graphStack(simulator, observer);
  await stack.tokens.getToken();
  simulator.resetRecording();
  return stack;
}

function ids(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => simulator.userIdAt(from + index));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

describe('GraphPresenceClient: 400 split', () => {
  it('halves a rejected batch until the rejected id is alone, and returns every other presence', async () => {
    await freshStack();
    const batch = ids(0, 8);
    const rejected = batch[5] ?? '';
    simulator.setFaults({ rejectedIds: [rejected] });
    const result = await stack.client().fetchPresences(batch);
    expect(result.rejectedIds).toEqual([rejected]);
    expect(result.missingIds).toEqual([]);
    expect(result.presences.map((presence) => presence.id).sort()).toEqual(
      batch.filter((id) => id !== rejected).sort(),
    );
    // [0-7] 400; [0-3] 200, [4-7] 400; [4,5] 400, [6,7] 200; [4] 200, [5] 400.
    expect(presenceRequests(simulator).map((request) => [request.idsCount, request.status])).toEqual(
      expect.arrayContaining([
        [8, 400],
        [4, 200],
        [4, 400],
        [2, 400],
        [2, 200],
        [1, 200],
        [1, 400],
      ]),
    );
    expect(presenceRequests(simulator)).toHaveLength(7);
    expect(stack.observed.retries).toEqual([]);
  });

  it('isolates two rejected ids in different halves', async () => {
    await freshStack();
    const batch = ids(0, 6);
    const rejected = [batch[0] ?? '', batch[4] ?? ''];
    simulator.setFaults({ rejectedIds: rejected });
    const result = await stack.client().fetchPresences(batch);
    expect([...result.rejectedIds].sort()).toEqual([...rejected].sort());
    expect(result.presences).toHaveLength(4);
  });
});

describe('GraphPresenceClient: 401', () => {
  it('asks Entra ID for a new token once, bypassing the cache, and resends at once', async () => {
    await freshStack();
    const client = stack.client();
    await client.fetchPresences(ids(0, 3));
    simulator.revokeTokens();
    const result = await client.fetchPresences(ids(0, 3));
    expect(result.presences).toHaveLength(3);
    expect(presenceStatuses(simulator)).toEqual([200, 401, 200]);
    expect(simulator.recording.counters().tokenRequests).toBe(1);
    expect(stack.observed.retries).toEqual([]);
  });

  it('refreshes only once when Graph keeps refusing, then retries with backoff and gives up', async () => {
    await freshStack();
    simulator.setFaults({ unauthorized: true });
    const error = await failure(stack.client().fetchPresences(ids(0, 2)));
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_UNAUTHORIZED, details: { status: 401 } });
    expect(simulator.recording.counters().tokenRequests).toBe(1);
    // Attempt 1 is the request and its resend with the new token; attempts 2 and 3 are backed-off retries.
    expect(presenceStatuses(simulator)).toEqual([401, 401, 401, 401]);
    expect(stack.observed.retries.map((retry) => [retry.attempt, retry.reason])).toEqual([
      [1, 'HTTP 401'],
      [2, 'HTTP 401'],
    ]);
  });
});

describe('GraphPresenceClient: Retry-After', () => {
  let throttling: GraphSimulator;

  beforeAll(async () => {
    throttling = await startGraphSimulator({
      userCount: 10,
      autoChurn: false,
      budget: { requests: 2, windowSeconds: 0.6 },
    });
  });

  afterAll(async () => {
    await throttling?.close();
  });

  it('pauses every request of the tenant for the decimal seconds Graph asks, instead of backing off', async () => {
    let secondBatch: Promise<PresenceBatchResult> | undefined;
    stack = graphStack(throttling, {
      onRetryAfter: () => {
        if (secondBatch !== undefined) return;
        // Another batch of the same tenant, started during the pause: it must wait for the pause too.
        secondBatch = client.fetchPresences([throttling.userIdAt(7), throttling.userIdAt(8)]);
      },
    });
    const client = stack.client({ backoff: { initialMs: 5, maxMs: 20, maxAttempts: 5 } });
    await client.fetchPresences([throttling.userIdAt(0)]);
    await client.fetchPresences([throttling.userIdAt(1)]);
    const third = await client.fetchPresences([throttling.userIdAt(2)]);
    const other = await secondBatch;

    expect(third.presences.map((presence) => presence.id)).toEqual([throttling.userIdAt(2)]);
    expect(other?.presences).toHaveLength(2);
    const requests = presenceRequests(throttling);
    expect(requests.slice(0, 3).map((request) => request.status)).toEqual([200, 200, 429]);
    const first429 = requests[2];
    expect(first429?.retryAfter).toMatch(/^0\.\d{3}$/);
    const retryAfterMs = Math.ceil(Number(first429?.retryAfter) * 1000);
    expect(stack.observed.retryAfters[0]).toEqual({ status: 429, delayMs: retryAfterMs });
    expect(stack.observed.retries).toEqual([]);
    // Everything after the 429, the retry and the other batch alike, waited for the pause. Lower bounds only (set
    // by the client's own wait), so a slow machine cannot fail them; 2 ms for the budget's whole-ms wall clock. The
    // pause starts when the client reads the 429's status line: after the simulator received that request, and
    // before the client's Retry-After callback runs (which a request may legitimately beat by the time in between).
    const later = requests.slice(3);
    expect(later.length).toBeGreaterThanOrEqual(2);
    const throttledAt = first429?.atMonotonicMs ?? Number.POSITIVE_INFINITY;
    for (const request of later) expect(request.atMonotonicMs).toBeGreaterThanOrEqual(throttledAt + retryAfterMs - 2);
  });
});

describe('GraphPresenceClient: transient failures', () => {
  it.each([500, 503, 504] as const)('retries %i with backoff, then succeeds', async (status) => {
    await freshStack({ onRetry: () => simulator.setFaults({ serverErrorShare: 0 }) });
    simulator.setFaults({ serverErrorShare: 1, serverErrorStatuses: [status], serverErrorRetryAfterShare: 0 });
    const result = await stack.client().fetchPresences(ids(0, 4));
    expect(result.presences).toHaveLength(4);
    expect(presenceStatuses(simulator)).toEqual([status, 200]);
    expect(stack.observed.retries).toHaveLength(1);
    const [retry] = stack.observed.retries;
    expect(retry).toMatchObject({ attempt: 1, reason: `HTTP ${status}` });
    // Full jitter: anywhere from 0 up to the first ceiling, initialMs.
    expect(retry?.delayMs).toBeGreaterThanOrEqual(0);
    expect(retry?.delayMs).toBeLessThanOrEqual(5);
  });

  it('gives up after maxAttempts with the last failure as it was', async () => {
    await freshStack();
    simulator.setFaults({ serverErrorShare: 1, serverErrorStatuses: [503], serverErrorRetryAfterShare: 0 });
    const error = await failure(stack.client().fetchPresences(ids(0, 2)));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_UNAVAILABLE, retriable: true, details: { status: 503 } });
    expect(presenceStatuses(simulator)).toEqual([503, 503, 503]);
    expect(stack.observed.retries.map((retry) => retry.attempt)).toEqual([1, 2]);
  });

  it('takes a 503 Retry-After as the wait, through the tenant budget', async () => {
    await freshStack({ onRetryAfter: () => simulator.setFaults({ serverErrorShare: 0 }) });
    simulator.setFaults({
      serverErrorShare: 1,
      serverErrorStatuses: [503],
      serverErrorRetryAfterShare: 1,
      serverErrorRetryAfterSeconds: 0.05,
    });
    const result = await stack.client().fetchPresences(ids(0, 2));
    expect(result.presences).toHaveLength(2);
    expect(presenceStatuses(simulator)).toEqual([503, 200]);
    expect(stack.observed.retryAfters).toEqual([{ status: 503, delayMs: 50 }]);
    expect(stack.observed.retries).toEqual([]);
  });

  it('retries a connection failure and reports GRAPH_NETWORK when it persists', async () => {
    await freshStack();
    // freePort binds a loopback port and releases it at once: nothing listens there.
    const closedPort = await freePort();
    const error = await failure(
      stack.client({ graphUrl: `https://127.0.0.1:${closedPort}` }).fetchPresences(ids(0, 2)),
    );
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_NETWORK, retriable: true });
    expect(stack.observed.retries.map((retry) => retry.reason)).toEqual([
      ErrorCodes.GRAPH_NETWORK,
      ErrorCodes.GRAPH_NETWORK,
    ]);
    expect(presenceRequests(simulator)).toEqual([]);
  });

  it('ends a retry when the shard stops, with the abort rather than a Graph failure', async () => {
    const stopping = new AbortController();
    await freshStack({ onRetry: () => stopping.abort() });
    simulator.setFaults({ serverErrorShare: 1, serverErrorStatuses: [503], serverErrorRetryAfterShare: 0 });
    const error = await failure(stack.client().fetchPresences(ids(0, 2), stopping.signal));
    expect(error).not.toBeInstanceOf(ConnectorError);
    expect((error as Error).name).toBe('AbortError');
    expect(presenceStatuses(simulator)).toEqual([503]);
  });
});

describe('GraphPresenceClient: timeouts', () => {
  // Its own simulator: the response to the timed-out request still arrives later, and must not land in the
  // recording of another test.
  let slow: GraphSimulator;

  beforeAll(async () => {
    slow = await startGraphSimulator({ userCount: 10, autoChurn: false });
  });

  afterAll(async () => {
    await slow?.close();
  });

  it('retries a request that timed out', async () => {
    stack = graphStack(slow, { onRetry: () => slow.setFaults({ latency: null }) });
    // A timeout far above what a quick answer takes even on a loaded machine (100 ms once timed out the retry
    // too, a new TLS connection under load 14), and a latency far above the timeout.
    slow.setFaults({ latency: { kind: 'fixed', ms: 5_000 } });
    const result = await stack.client({ requestTimeoutMs: 1_000 }).fetchPresences([slow.userIdAt(1), slow.userIdAt(2)]);
    expect(result.presences).toHaveLength(2);
    expect(stack.observed.retries.map((retry) => retry.reason)).toEqual([ErrorCodes.GRAPH_TIMEOUT]);
  });
});

describe('GraphPresenceClient: failures surfaced at once', () => {
  it('reports 403 as GRAPH_FORBIDDEN naming the permission, after one request', async () => {
    await freshStack();
    simulator.setFaults({ forbidden: true });
    const error = await failure(stack.client().fetchPresences(ids(0, 2)));
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_FORBIDDEN, retriable: false, details: { status: 403 } });
    expect((error as Error).message).toContain('Presence.Read.All');
    expect(presenceStatuses(simulator)).toEqual([403]);
    expect(stack.observed.retries).toEqual([]);
  });

  it('does not retry a status a retry would only repeat (404)', async () => {
    await freshStack();
    const error = await failure(stack.client({ apiVersion: 'v9.9' }).fetchPresences(ids(0, 2)));
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_UNAVAILABLE, retriable: false, details: { status: 404 } });
    expect(simulator.recording.counters().byStatus).toEqual({ 404: 1 });
    expect(stack.observed.retries).toEqual([]);
  });

  it.each([
    ['malformed', { malformedJsonShare: 1 }],
    ['truncated', { truncatedJsonShare: 1 }],
  ] as const)('fails the batch on a %s 200 body with GRAPH_BAD_RESPONSE, without retrying', async (_, faults) => {
    await freshStack();
    simulator.setFaults(faults);
    const error = await failure(stack.client().fetchPresences(ids(0, 3)));
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_BAD_RESPONSE });
    expect(presenceStatuses(simulator)).toEqual([200]);
  });

  it('does not retry an error that is not classified retriable (a bug), and sends nothing', async () => {
    await freshStack();
    const broken: TokenProvider = { getToken: () => Promise.reject(new TypeError('not a function')) };
    const error = await failure(stack.client({ tokens: broken }).fetchPresences(ids(0, 2)));
    expect(error).toBeInstanceOf(TypeError);
    expect(stack.observed.retries).toEqual([]);
    expect(presenceRequests(simulator)).toEqual([]);
  });
});

describe('GraphPresenceClient: results', () => {
  it('reports requested ids missing from the 200 response, and nothing else', async () => {
    await freshStack();
    const batch = [...ids(0, 3), UNKNOWN_USER];
    const result = await stack.client().fetchPresences(batch);
    expect(result.missingIds).toEqual([UNKNOWN_USER]);
    expect(result.rejectedIds).toEqual([]);
    expect(result.presences.map((presence) => presence.id).sort()).toEqual(ids(0, 3).sort());
    expect(presenceStatuses(simulator)).toEqual([200]);
  });

  it('sends nothing for an empty batch and refuses more than 650 ids', async () => {
    await freshStack();
    const client = stack.client();
    expect(await client.fetchPresences([])).toEqual({ presences: [], missingIds: [], rejectedIds: [] });
    await expect(client.fetchPresences(Array.from({ length: 651 }, () => UNKNOWN_USER))).rejects.toThrow(RangeError);
    expect(presenceRequests(simulator)).toEqual([]);
  });
});
