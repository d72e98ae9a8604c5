/**
 * graph.proxyUrl and the standard proxy variables: the one dispatcher sends both the token calls (MSAL) and the
 * Graph calls through a CONNECT tunnel, NO_PROXY bypasses it, and graph.caFile is trusted for an https proxy too.
 * Runs the real token provider and Graph client against the simulator; the proxy is a few lines of node:http.
 */
import pLimit from 'p-limit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import { createMsalNetworkClient, createTokenProvider, type TokenProvider } from '../../src/auth/index.js';
import { GraphPresenceClient, RequestBudget } from '../../src/graph/index.js';
import { createHttpDispatcher, proxySettings, type HttpDispatcherOptions } from '../../src/http/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startConnectProxy, type ConnectProxy } from './support/connect-proxy.js';

let simulator: GraphSimulator;
let pki: TestPki;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [simulator, pki] = await Promise.all([startGraphSimulator({ userCount: 20, autoChurn: false }), createTestPki()]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await simulator?.close();
});

async function proxy(options: Parameters<typeof startConnectProxy>[0] = {}): Promise<ConnectProxy> {
  const started = await startConnectProxy(options);
  cleanups.push(() => started.close());
  return started;
}

interface GraphStack {
  dispatcher: Dispatcher;
  tokens: TokenProvider;
  graph(tokens?: TokenProvider): GraphPresenceClient;
}

/** What the worker builds: one dispatcher shared by MSAL and the Graph client. */
function graphStack(options: Partial<HttpDispatcherOptions>): GraphStack {
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: 4,
    extraCaPem: simulator.caCertificatePem,
    env: {},
    ...options,
  });
  cleanups.push(() => dispatcher.close());
  const tokens = createTokenProvider({
    tenantId: simulator.tenantId,
    clientId: simulator.clientId,
    authorityUrl: new URL(simulator.authorityUrl).origin,
    scope: `${simulator.graphUrl}/.default`,
    credential: { kind: 'secret', clientSecret: simulator.clientSecret },
    dispatcher,
    trustAuthorityHost: true,
  });
  const graph = (provider: TokenProvider = tokens): GraphPresenceClient =>
    new GraphPresenceClient({
      graphUrl: simulator.graphUrl,
      apiVersion: 'v1.0',
      tokens: provider,
      dispatcher,
      budget: new RequestBudget({ maxRequests: 100, windowMs: 30_000 }),
      limit: pLimit(2),
      requestTimeoutMs: 5_000,
      backoff: { initialMs: 10, maxMs: 20, maxAttempts: 1 },
    });
  return { dispatcher, tokens, graph };
}

function counters(): { tokenRequests: number; presenceRequests: number } {
  const { tokenRequests, presenceRequests } = simulator.recording.counters();
  return { tokenRequests, presenceRequests };
}

const simulatorHost = (): string => new URL(simulator.graphUrl).host;

async function fetchSome(stack: GraphStack, tokens?: TokenProvider): Promise<number> {
  const result = await stack.graph(tokens).fetchPresences(simulator.userIds().slice(0, 5));
  return result.presences.length;
}

/** What MSAL's first request (instance metadata) meets on this dispatcher, with the reason MSAL would hide. */
async function signInFailure(stack: GraphStack): Promise<string> {
  const metadata = `${simulator.authorityUrl}/v2.0/.well-known/openid-configuration`;
  return failure(createMsalNetworkClient(stack.dispatcher).sendGetRequestAsync(metadata));
}

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    const parts: string[] = [];
    for (let current: unknown = error; current instanceof Error; current = current.cause) parts.push(current.message);
    return parts.join(' <- ');
  }
  throw new Error('expected a failure');
}

describe('graph.proxyUrl', () => {
  it('sends the token request and the presence request through the proxy', async () => {
    const counting = await proxy();
    const stack = graphStack({ proxyUrl: counting.url });
    const before = counters();
    await stack.tokens.getToken();
    // Nothing but MSAL has used this dispatcher yet: every tunnel so far carried sign-in traffic.
    expect(counting.tunnels.length).toBeGreaterThan(0);
    expect(counters().tokenRequests).toBe(before.tokenRequests + 1);
    expect(await fetchSome(stack)).toBe(5);
    expect(counters().presenceRequests).toBe(before.presenceRequests + 1);
    expect(new Set(counting.tunnels)).toEqual(new Set([simulatorHost()]));
  });

  it('has no way around the proxy: a proxy that refuses the tunnel fails sign-in and Graph calls alike', async () => {
    const refusing = await proxy();
    refusing.refuse = true;
    const stack = graphStack({ proxyUrl: refusing.url });
    await failure(stack.tokens.getToken());
    expect(refusing.tunnels).toContain(simulatorHost());
    expect(await signInFailure(stack)).toMatch(
      /^sign-in request GET https:\/\/.*openid-configuration failed: .*Proxy response \(403\)/,
    );
    // A token obtained elsewhere: the Graph request alone must also go to the proxy.
    const token = await graphStack({}).tokens.getToken();
    const before = counters();
    const tunnelsBefore = refusing.tunnels.length;
    await failure(fetchSome(stack, { getToken: async () => token }));
    expect(refusing.tunnels.length).toBeGreaterThan(tunnelsBefore);
    expect(counters().presenceRequests).toBe(before.presenceRequests);
  });

  it('lets NO_PROXY bypass it', async () => {
    const refusing = await proxy();
    refusing.refuse = true;
    const stack = graphStack({ proxyUrl: refusing.url, env: { NO_PROXY: 'localhost,127.0.0.1' } });
    await stack.tokens.getToken();
    expect(await fetchSome(stack)).toBe(5);
    expect(refusing.tunnels).toEqual([]);
  });

  it('trusts graph.caFile for an https proxy as well', async () => {
    const secure = await proxy({ tls: { certPem: pki.server.certPem, keyPem: pki.server.keyPem } });
    const trusted = graphStack({
      proxyUrl: secure.url,
      extraCaPem: `${simulator.caCertificatePem}\n${pki.ca.certPem}`,
    });
    await trusted.tokens.getToken();
    expect(await fetchSome(trusted)).toBe(5);
    expect(secure.tunnels.length).toBeGreaterThan(0);
    // Without the proxy's CA in the bundle, its certificate is refused before any tunnel is asked for.
    const tunnels = secure.tunnels.length;
    const untrusted = graphStack({ proxyUrl: secure.url });
    await failure(untrusted.tokens.getToken());
    expect(await signInFailure(untrusted)).toMatch(/certificate/i);
    expect(secure.tunnels.length).toBe(tunnels);
  });
});

describe('HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  it('are used when graph.proxyUrl is absent', async () => {
    const counting = await proxy();
    const stack = graphStack({ env: { HTTPS_PROXY: counting.url } });
    await stack.tokens.getToken();
    expect(await fetchSome(stack)).toBe(5);
    expect(counting.tunnels.length).toBeGreaterThan(0);
  });

  it('give way to graph.proxyUrl', async () => {
    const [counting, refusing] = await Promise.all([proxy(), proxy()]);
    refusing.refuse = true;
    const stack = graphStack({ proxyUrl: counting.url, env: { HTTPS_PROXY: refusing.url, https_proxy: refusing.url } });
    await stack.tokens.getToken();
    expect(await fetchSome(stack)).toBe(5);
    expect(refusing.tunnels).toEqual([]);
    expect(counting.tunnels.length).toBeGreaterThan(0);
  });

  it('are read like curl reads them', () => {
    expect(proxySettings(undefined, {})).toEqual({ httpProxy: '', httpsProxy: '', noProxy: '' });
    expect(proxySettings(undefined, { HTTP_PROXY: 'http://p:1' })).toEqual({
      httpProxy: 'http://p:1',
      httpsProxy: 'http://p:1',
      noProxy: '',
    });
    expect(
      proxySettings(undefined, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:1', no_proxy: ' .corp ' }),
    ).toEqual({
      httpProxy: '',
      httpsProxy: 'http://lower:1',
      noProxy: '.corp',
    });
    expect(proxySettings('http://setting:1', { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'a' })).toEqual({
      httpProxy: 'http://setting:1',
      httpsProxy: 'http://setting:1',
      noProxy: 'a',
    });
    expect(proxySettings(undefined, { HTTPS_PROXY: '  ' }).httpsProxy).toBe('');
  });
});
