/**
 * How a directory request is sent and retried (DirectoryHttp, through GraphDirectoryClient) against the project's
 * Graph simulator over real HTTPS, MSAL and undici: the directory's own budget and its Retry-After pause (which
 * must leave presence's budget and polling alone), backoff when a 429 carries no Retry-After, the 401 token
 * refresh, failures surfaced at once, and a bearer token that never reaches an error.
 */
import pLimit from 'p-limit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { GraphPresenceClient, type PresenceBatchResult } from '../../src/graph/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { freePort } from '../../scripts/support/index.js';
import {
  collect,
  directoryRequests,
  directoryStack,
  directoryStatuses,
  failureOf,
  type DirectoryStack,
} from './support/directory-stack.js';

let simulator: GraphSimulator;
let stack: DirectoryStack;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 40, autoChurn: false, directory: { pageSize: 10 } });
});

afterEach(async () => {
  await stack.close();
  simulator.directory.setFaults({ missingPermissions: [] });
});

afterAll(async () => {
  await simulator?.close();
});

async function freshStack(on: Parameters<typeof directoryStack>[1] = {}): Promise<DirectoryStack> {
  stack = directoryStack(simulator, on);
  await stack.tokens.getToken();
  simulator.resetRecording();
  return stack;
}

/** Everything an error would show in a log: message, stack, details and causes. */
function printed(error: unknown): string {
  const parts: string[] = [];
  for (let at: unknown = error; at instanceof Error; at = at.cause) {
    parts.push(at.message, at.stack ?? '', JSON.stringify(at));
  }
  return parts.join('\n');
}

describe('Retry-After on the directory budget', () => {
  let throttling: GraphSimulator;

  beforeAll(async () => {
    throttling = await startGraphSimulator({
      userCount: 40,
      autoChurn: false,
      directory: { pageSize: 10, budget: { resourceUnits: 2, windowSeconds: 0.6, retryAfterFormat: 'decimal' } },
    });
  });

  afterAll(async () => {
    await throttling?.close();
  });

  it('pauses directory requests for what Graph asks, and leaves presence budget and polling alone', async () => {
    let presence: Promise<PresenceBatchResult> | undefined;
    let pausedAt = 0;
    const paused = { directory: 0, presence: -1 };
    stack = directoryStack(throttling, {
      onRetryAfter: () => {
        if (presence !== undefined) return;
        pausedAt = performance.now();
        paused.directory = stack.budget.pauseRemainingMs();
        paused.presence = stack.presenceBudget.pauseRemainingMs();
        // Presence polling of the same tenant, over the same token and dispatcher, during the directory's pause.
        presence = presenceClient.fetchPresences([throttling.userIdAt(1)]);
      },
    });
    const presenceClient = new GraphPresenceClient({
      graphUrl: throttling.graphUrl,
      apiVersion: 'v1.0',
      tokens: stack.tokens,
      dispatcher: stack.dispatcher,
      budget: stack.presenceBudget,
      limit: pLimit(2),
      requestTimeoutMs: 5_000,
      backoff: { initialMs: 5, maxMs: 20, maxAttempts: 3 },
    });
    const pages = await collect(stack.client({ backoff: { initialMs: 5, maxMs: 20, maxAttempts: 6 } }).usersDelta());
    expect(new Set(pages.flatMap((page) => page.upserted.map((user) => user.id))).size).toBe(40);

    const requests = directoryRequests(throttling);
    const first429 = requests.find((request) => request.status === 429);
    expect(first429?.retryAfter).toMatch(/^\d+\.\d{3}$/);
    const delayMs = Math.ceil(Number(first429?.retryAfter) * 1000);
    expect(stack.observed.retryAfters[0]).toEqual({ operation: 'usersDelta', status: 429, delayMs });
    expect(stack.observed.retries).toEqual([]);
    expect(paused.directory).toBeGreaterThan(0);
    expect(paused.presence).toBe(0);
    expect(stack.presenceBudget.pauseRemainingMs()).toBe(0);
    // The directory's next request waited out the pause (a lower bound, set by the client's own wait)...
    const after = requests.filter((request) => request.atMonotonicMs > (first429?.atMonotonicMs ?? 0));
    expect(after[0]?.atMonotonicMs).toBeGreaterThanOrEqual(pausedAt + delayMs - 2);
    // ...while the presence request started in the pause did not wait for it: it reached Graph first.
    expect((await presence)?.presences).toHaveLength(1);
    const presenceRequest = throttling.recording.requests().find((request) => request.route === 'presence');
    expect(presenceRequest?.status).toBe(200);
    expect(presenceRequest?.atMonotonicMs).toBeLessThan(after[0]?.atMonotonicMs ?? 0);
  });

  it('backs off with jitter when a 429 carries no Retry-After, without pausing the budget', async () => {
    throttling.directory.setFaults({ throttleRetryAfter: 'absent' });
    stack = directoryStack(throttling);
    const client = stack.client({ backoff: { initialMs: 100, maxMs: 400, maxAttempts: 10 } });
    const pages = await collect(client.usersDelta());
    expect(pages.at(-1)?.deltaLink).toContain('$deltatoken=');
    expect(stack.observed.retryAfters).toEqual([]);
    expect(stack.observed.retries.length).toBeGreaterThan(0);
    expect(stack.observed.retries[0]).toMatchObject({ operation: 'usersDelta', attempt: 1, reason: 'HTTP 429' });
    expect(stack.budget.pauseRemainingMs()).toBe(0);
    throttling.directory.setFaults({ throttleRetryAfter: 'present' });
  });
});

describe('tokens', () => {
  it('asks Entra ID for a new token once after a 401, and resends at once', async () => {
    await freshStack();
    simulator.revokeTokens();
    const pages = await collect(stack.client().listGroupUsers(simulator.directory.groupIdAt(0)));
    expect(pages.flat().length).toBeGreaterThan(0);
    expect(directoryStatuses(simulator).slice(0, 2)).toEqual([401, 200]);
    expect(simulator.recording.counters().tokenRequests).toBe(1);
    expect(stack.observed.retries).toEqual([]);
  });

  it('never puts the bearer token in an error', async () => {
    await freshStack();
    simulator.directory.setFaults({ missingPermissions: ['User.Read.All'] });
    const forbidden = await failureOf(stack.client().usersDelta());
    const unreachable = await failureOf(
      stack.client({ graphUrl: `https://127.0.0.1:${await freePort()}` }).usersDelta(),
    );
    const tokens = simulator.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    for (const error of [forbidden.error, unreachable.error]) {
      const text = printed(error);
      for (const token of tokens) expect(text).not.toContain(token);
      expect(text).not.toMatch(/Bearer /i);
    }
  });
});

describe('failures', () => {
  it('reports 403 on users as GRAPH_FORBIDDEN naming User.Read.All, after one request', async () => {
    await freshStack();
    simulator.directory.setFaults({ missingPermissions: ['User.Read.All'] });
    const { error } = await failureOf(stack.client().usersDelta());
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_FORBIDDEN, retriable: false, details: { status: 403 } });
    expect((error as Error).message).toMatch(/User\.Read\.All application permission with admin consent/);
    expect(directoryStatuses(simulator)).toEqual([403]);
    expect(stack.observed.retries).toEqual([]);
  });

  it('retries a connection failure and reports GRAPH_NETWORK when it persists', async () => {
    await freshStack();
    const closedPort = await freePort();
    const { error } = await failureOf(stack.client({ graphUrl: `https://127.0.0.1:${closedPort}` }).usersDelta());
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_NETWORK, retriable: true });
    expect(stack.observed.retries.map((retry) => retry.reason)).toEqual([
      ErrorCodes.GRAPH_NETWORK,
      ErrorCodes.GRAPH_NETWORK,
    ]);
  });

  it('does not retry a status a retry would only repeat (404 of an unknown API version)', async () => {
    await freshStack();
    const { error } = await failureOf(stack.client({ apiVersion: 'v9.9' }).usersDelta());
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_UNAVAILABLE, retriable: false, details: { status: 404 } });
    expect(simulator.recording.counters().byStatus).toEqual({ 404: 1 });
  });

  it('ends with the abort, not a Graph failure, when the caller stops during a retry', async () => {
    const stopping = new AbortController();
    await freshStack({ onRetry: () => stopping.abort() });
    const closedPort = await freePort();
    const client = stack.client({ graphUrl: `https://127.0.0.1:${closedPort}` });
    const { error } = await failureOf(client.usersDelta({ signal: stopping.signal }));
    expect((error as Error).name).toBe('AbortError');
    expect(stack.observed.retries).toHaveLength(1);
  });

  it('sends nothing when stopped before it starts', async () => {
    await freshStack();
    const { error } = await failureOf(stack.client().usersDelta({ signal: AbortSignal.abort() }));
    expect((error as Error).name).toBe('AbortError');
    expect(directoryStatuses(simulator)).toEqual([]);
  });
});
