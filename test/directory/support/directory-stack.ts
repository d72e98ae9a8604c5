/**
 * The directory client as discovery will wire it, without Kafka: the real undici dispatcher trusting the
 * simulator's certificate, the real MSAL token provider, and a directory budget of its own beside a presence
 * budget that the directory client must never touch, against the project's Graph simulator on a loopback port.
 */
import type { Dispatcher } from 'undici';
import type { TokenProvider } from '../../../src/auth/index.js';
import {
  GraphDirectoryClient,
  type DirectoryClientOptions,
  type DirectoryObserver,
} from '../../../src/directory/index.js';
import { RequestBudget } from '../../../src/graph/index.js';
import type { GraphSimulator, RecordedRequest } from '../../../src/simulator/index.js';
import { simulatorConnection } from '../../graph/support/graph-stack.js';

type Info<K extends keyof DirectoryObserver> = Parameters<NonNullable<DirectoryObserver[K]>>[0];

/** Every observer call, in order. */
export interface ObservedCalls {
  retries: Info<'onRetry'>[];
  retryAfters: Info<'onRetryAfter'>[];
  responses: Info<'onResponse'>[];
}

export interface DirectoryStack {
  dispatcher: Dispatcher;
  tokens: TokenProvider;
  /** The directory's budget. */
  budget: RequestBudget;
  /** The presence client's budget in a worker: present only to show that the directory leaves it alone. */
  presenceBudget: RequestBudget;
  observed: ObservedCalls;
  client(overrides?: Partial<DirectoryClientOptions>): GraphDirectoryClient;
  close(): Promise<void>;
}

export function directoryStack(simulator: GraphSimulator, observer: DirectoryObserver = {}): DirectoryStack {
  const { dispatcher, tokens } = simulatorConnection(simulator);
  const budget = new RequestBudget({ maxRequests: 1000, windowMs: 10_000 });
  const presenceBudget = new RequestBudget({ maxRequests: 1000, windowMs: 30_000 });
  const observed: ObservedCalls = { retries: [], retryAfters: [], responses: [] };
  const recording: DirectoryObserver = {
    onResponse: (info) => {
      observed.responses.push(info);
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
    presenceBudget,
    observed,
    client: (overrides = {}) =>
      new GraphDirectoryClient({
        graphUrl: simulator.graphUrl,
        apiVersion: 'v1.0',
        tokens,
        dispatcher,
        budget,
        requestTimeoutMs: 5_000,
        backoff: { initialMs: 5, maxMs: 20, maxAttempts: 3 },
        observer: recording,
        ...overrides,
      }),
    close: () => dispatcher.close(),
  };
}

const DIRECTORY_ROUTES = new Set(['users-delta', 'groups-delta', 'group-members', 'group-transitive-members']);

/** Directory requests the simulator received, oldest first. */
export function directoryRequests(simulator: GraphSimulator): RecordedRequest[] {
  return simulator.recording.requests().filter((request) => DIRECTORY_ROUTES.has(request.route));
}

export function directoryStatuses(simulator: GraphSimulator): number[] {
  return directoryRequests(simulator).map((request) => request.status);
}

/** Every page of an async iterable, in order. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** The error an async iterable fails with, and the pages it yielded before. */
export async function failureOf<T>(pages: AsyncIterable<T>): Promise<{ error: unknown; pages: T[] }> {
  const seen: T[] = [];
  try {
    for await (const page of pages) seen.push(page);
  } catch (error) {
    return { error, pages: seen };
  }
  throw new Error(`expected a failure, got ${seen.length} pages`);
}
