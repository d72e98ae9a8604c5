/**
 * GraphCaller, the one send path of every Graph client, against a loopback HTTP server that answers each request
 * as the test scripts it: when a Retry-After pauses the budget, which answers pause it, the 401 refresh, and what
 * a stop does to a request already sent. The presence and directory clients' own tests cover the rest through the
 * simulator.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenProvider } from '../../src/auth/index.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { GraphCaller, RequestBudget, type GraphAnswer } from '../../src/graph/index.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server | undefined;
let agent: Agent | undefined;

afterEach(async () => {
  await agent?.close();
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  agent = undefined;
});

/** A server that hands the n-th request to the n-th handler, and records the bearer token of each. */
async function serve(handlers: Handler[]): Promise<{ url: string; tokens: string[] }> {
  const tokens: string[] = [];
  server = createServer((request, response) => {
    tokens.push(request.headers.authorization ?? '');
    const handler = handlers[tokens.length - 1];
    if (handler === undefined) response.writeHead(500).end('no handler');
    else handler(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0/thing`, tokens };
}

class CountingTokens implements TokenProvider {
  refreshes = 0;
  getToken(forceRefresh = false): Promise<string> {
    if (forceRefresh) this.refreshes++;
    return Promise.resolve(`token-${this.refreshes}`);
  }
}

function caller(budget: RequestBudget, tokens: TokenProvider = new CountingTokens()): GraphCaller {
  agent = new Agent();
  return new GraphCaller({
    tokens,
    dispatcher: agent,
    budget,
    requestTimeoutMs: 5_000,
    backoff: { initialMs: 1, maxMs: 5, maxAttempts: 3 },
  });
}

const failure = (answer: GraphAnswer) =>
  new ConnectorError(ErrorCodes.GRAPH_UNAVAILABLE, `HTTP ${answer.status}`, {
    retriable: answer.status === 429 || answer.status >= 500,
  });

const ok: Handler = (_request, response) => response.writeHead(200).end('{"value":[]}');

describe('GraphCaller', () => {
  it('pauses the budget as soon as the status line of a 429 is read, before its body arrives', async () => {
    let sendRestOfBody: () => void = () => undefined;
    const { url } = await serve([
      (_request, response) => {
        response.writeHead(429, { 'retry-after': '0.4', 'content-type': 'application/json' });
        response.write('{"error":');
        sendRestOfBody = () => response.end('{"code":"TooManyRequests"}}');
      },
      ok,
    ]);
    const budget = new RequestBudget({ maxRequests: 10, windowMs: 1_000 });
    const answers: number[] = [];
    const call = caller(budget).call(
      { url, method: 'GET', cancelOnStop: true },
      { failure, onResponse: ({ status }) => answers.push(status) },
    );
    await expect.poll(() => budget.pauseRemainingMs(), { timeout: 2_000, interval: 5 }).toBeGreaterThan(300);
    expect(answers).toEqual([]); // the body is still on its way
    const pausedAt = performance.now();
    sendRestOfBody();
    const answer = await call;
    expect(answer.status).toBe(200);
    expect(answers).toEqual([429, 200]);
    expect(performance.now() - pausedAt).toBeGreaterThanOrEqual(300);
  });

  it('takes no pause from a Retry-After on an answer Graph does not document it for', async () => {
    const { url } = await serve([(_request, response) => response.writeHead(400, { 'retry-after': '30' }).end('{}')]);
    const budget = new RequestBudget({ maxRequests: 10, windowMs: 1_000 });
    const error = await caller(budget)
      .call({ url, method: 'GET', cancelOnStop: true }, { failure })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(budget.pauseRemainingMs()).toBe(0);
  });

  it('asks for a fresh token once after a 401 and resends at once', async () => {
    const unauthorized: Handler = (_request, response) => response.writeHead(401).end('{}');
    const { url, tokens } = await serve([unauthorized, ok]);
    const provider = new CountingTokens();
    const answer = await caller(new RequestBudget({ maxRequests: 10, windowMs: 1_000 }), provider).call(
      { url, method: 'POST', body: '{"ids":[]}', cancelOnStop: false },
      { failure },
    );
    expect(answer.status).toBe(200);
    expect(provider.refreshes).toBe(1);
    expect(tokens).toEqual(['Bearer token-0', 'Bearer token-1']);
  });

  it('retries what the failure calls retriable, up to the attempts allowed, and reports each retry', async () => {
    const unavailable: Handler = (_request, response) => response.writeHead(503).end('{}');
    const { url, tokens } = await serve([unavailable, unavailable, unavailable, ok]);
    const retries: string[] = [];
    const error = await caller(new RequestBudget({ maxRequests: 10, windowMs: 1_000 }))
      .call({ url, method: 'GET', cancelOnStop: true }, { failure, onRetry: ({ reason }) => retries.push(reason) })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: ErrorCodes.GRAPH_UNAVAILABLE, message: 'HTTP 503' });
    expect(tokens).toHaveLength(3);
    expect(retries).toEqual(['HTTP 503', 'HTTP 503']);
  });

  it('cuts a GET short on stop, and lets a POST that was sent finish', async () => {
    let answerPost: () => void = () => undefined;
    const { url, tokens } = await serve([
      () => undefined, // the GET: never answered
      (_request, response) => {
        answerPost = () => response.writeHead(200).end('{"value":[]}');
      },
    ]);
    const graph = caller(new RequestBudget({ maxRequests: 10, windowMs: 1_000 }));
    const stopGet = new AbortController();
    const get = graph.call({ url, method: 'GET', cancelOnStop: true }, { failure }, stopGet.signal);
    await expect.poll(() => tokens.length, { timeout: 2_000 }).toBe(1);
    stopGet.abort();
    await expect(get).rejects.toMatchObject({ name: 'AbortError' });

    const stopPost = new AbortController();
    const post = graph.call({ url, method: 'POST', body: '{}', cancelOnStop: false }, { failure }, stopPost.signal);
    await expect.poll(() => tokens.length, { timeout: 2_000 }).toBe(2);
    stopPost.abort();
    answerPost();
    await expect(post).resolves.toMatchObject({ status: 200 });
  });
});

describe('GraphCaller with an adaptive budget', () => {
  it("tells the budget what Graph answered: a 429 lowers the worker's rate, a 503 does not", async () => {
    const throttled: Handler = (_request, response) => response.writeHead(429, { 'retry-after': '0.05' }).end('{}');
    const unavailable: Handler = (_request, response) => response.writeHead(503).end('{}');
    const { url } = await serve([ok, ok, unavailable, ok, throttled, ok]);
    const changes: string[] = [];
    const budget = new RequestBudget({
      maxRequests: 1_000,
      windowMs: 1_000,
      adaptive: { recoveryMs: 60_000, onChange: (change) => changes.push(change.reason) },
    });
    const graph = caller(budget);
    const get = () => graph.call({ url, method: 'GET', cancelOnStop: true }, { failure });
    await get();
    await get();
    await get(); // a 503, then a 200 on the retry
    expect(budget.rateLimit.limited).toBe(false);
    await get(); // a 429, then a 200 after its Retry-After
    expect(changes).toEqual(['throttled']);
    expect(budget.rateLimit.limited).toBe(true);
    expect(budget.rateLimit.perSecond).toBeLessThan(1_000);
  });
});
