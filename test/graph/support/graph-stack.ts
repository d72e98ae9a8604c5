/**
 * The Graph side as the worker wires it (src/pipeline/graph-wiring.ts), without Kafka: the real undici dispatcher
 * trusting the simulator's certificate, the real MSAL token provider and the presence client, against the
 * project's Graph simulator on a free loopback port.
 */
import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import { createTokenProvider, type TokenProvider, type TokenProviderOptions } from '../../../src/auth/index.js';
import {
  GraphPresenceClient,
  RequestBudget,
  type GraphObserver,
  type PresenceClientOptions,
} from '../../../src/graph/index.js';
import { createHttpDispatcher } from '../../../src/http/index.js';
import type { GraphSimulator, RecordedRequest } from '../../../src/simulator/index.js';

/** Every observer call, in order, so a test can assert what the client reported and when it did not. */
export interface ObservedCalls {
  retries: Array<Parameters<NonNullable<GraphObserver['onRetry']>>[0]>;
  retryAfters: Array<Parameters<NonNullable<GraphObserver['onRetryAfter']>>[0]>;
  responses: number[];
}

export interface GraphStack {
  dispatcher: Dispatcher;
  tokens: TokenProvider;
  budget: RequestBudget;
  observed: ObservedCalls;
  client(overrides?: Partial<PresenceClientOptions>): GraphPresenceClient;
  close(): Promise<void>;
}

/**
 * What every Graph client needs to reach the simulator as a worker reaches Graph: the real undici dispatcher
 * trusting the simulator's certificate, and the real MSAL token provider signing in with its app (`tokenOptions`
 * changes how: another secret, an observer, a clock).
 */
export function simulatorConnection(
  simulator: GraphSimulator,
  tokenOptions: Partial<Omit<TokenProviderOptions, 'dispatcher'>> = {},
): { dispatcher: Dispatcher; tokens: TokenProvider } {
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: 8,
    extraCaPem: simulator.caCertificatePem,
    env: {},
  });
  const tokens = createTokenProvider({
    tenantId: simulator.tenantId,
    clientId: simulator.clientId,
    authorityUrl: new URL(simulator.authorityUrl).origin,
    scope: `${simulator.graphUrl}/.default`,
    credential: { kind: 'secret', clientSecret: simulator.clientSecret },
    dispatcher,
    trustAuthorityHost: true,
    ...tokenOptions,
  });
  return { dispatcher, tokens };
}

export function graphStack(simulator: GraphSimulator, observer: GraphObserver = {}): GraphStack {
  const { dispatcher, tokens } = simulatorConnection(simulator);
  const budget = new RequestBudget({ maxRequests: 1000, windowMs: 30_000 });
  const observed: ObservedCalls = { retries: [], retryAfters: [], responses: [] };
  const recordingObserver: GraphObserver = {
    onResponse: (info) => {
      observed.responses.push(info.status);
      observer.onResponse?.(info);
    },
    onRetry: (info) => {
      observed.retries.push(info);
      observer.onRetry?.(info);
    },
    onRetryAfter: (info) => {
      observed.retryAfters.push(info);
      observer.onRetryAfter?.(info);
    },
  };
  return {
    dispatcher,
    tokens,
    budget,
    observed,
    client: (overrides = {}) =>
      new GraphPresenceClient({
        graphUrl: simulator.graphUrl,
        apiVersion: 'v1.0',
        tokens,
        dispatcher,
        budget,
        limit: pLimit(4),
        requestTimeoutMs: 5_000,
        backoff: { initialMs: 5, maxMs: 20, maxAttempts: 3 },
        observer: recordingObserver,
        ...overrides,
      }),
    close: () => dispatcher.close(),
  };
}

/** Presence requests the simulator received, oldest first. */
export function presenceRequests(simulator: GraphSimulator): RecordedRequest[] {
  return simulator.recording.requests().filter((request) => request.route === 'presence');
}

export function presenceStatuses(simulator: GraphSimulator): number[] {
  return presenceRequests(simulator).map((request) => request.status);
}
