/**
 * One Graph request, the way every Graph client of the connector sends it (presence POSTs, directory GETs): an
 * MSAL token, a place in the tenant's request budget, no request on the wire during a Retry-After, a timeout, and
 * retries per the one retry policy (src/retry). Kept in one place so the clients differ only in what they ask
 * and how they read the answer.
 */
import type { LimitFunction } from 'p-limit';
import { request, type Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import { isConnectorError, type ConnectorError } from '../errors.js';
import { isRetriable, parseRetryAfterMs, retry, type BackoffPolicy, type RetryAttemptInfo } from '../retry/index.js';
import { graphTransportFailure } from './graph-errors.js';
import type { RequestBudget } from './request-budget.js';

export interface GraphCallerOptions {
  tokens: TokenProvider;
  dispatcher: Dispatcher;
  /** Shared by every request this caller sends; a Retry-After read by one holds them all. */
  budget: RequestBudget;
  /** Bounds requests in flight; absent: no bound beyond the budget. */
  limit?: LimitFunction;
  requestTimeoutMs: number;
  /**
   * Retries of transient failures without a Retry-After. No floor under the full-jitter delay: an early retry
   * still goes through the request budget, so it cannot exceed Graph's limit, and a Retry-After (which Graph
   * sends when it wants a client to wait) replaces the backoff.
   */
  backoff: BackoffPolicy & { maxAttempts: number };
}

export interface GraphRequest {
  url: string;
  method: 'GET' | 'POST';
  /** A JSON body (POST). */
  body?: string;
  /**
   * Whether a stop cancels a request already sent. A GET changes nothing and may be cut short; a presence POST is
   * let finish so that what it brings still reaches Kafka.
   */
  cancelOnStop: boolean;
}

/** What Graph answered, read in full. */
export interface GraphAnswer {
  status: number;
  bodyText: string;
  retryAfterMs: number | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** How one client reads answers, and what it reports. */
export interface GraphCallHooks {
  /** The typed failure for an answer that is not a 200 (retriable or not, as the error says). */
  failure(answer: GraphAnswer): ConnectorError;
  onResponse?(info: { status: number; durationMs: number }): void;
  onRetryAfter?(info: { status: number; delayMs: number }): void;
  onRetry?(info: { attempt: number; delayMs: number; reason: string }): void;
}

/** Graph documents Retry-After on throttling (429) and on these server answers; elsewhere it is not a pause. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

export class GraphCaller {
  constructor(private readonly options: GraphCallerOptions) {}

  /**
   * The 200 answer to `graphRequest`, or the typed failure of the last attempt. A 401 gets one fresh token and is
   * resent at once. A Retry-After is not slept here: it pauses the budget, which holds the retry and every other
   * request sharing the budget until it expires.
   */
  async call(graphRequest: GraphRequest, hooks: GraphCallHooks, signal?: AbortSignal): Promise<GraphAnswer> {
    const { maxAttempts, ...policy } = this.options.backoff;
    let tokenRefreshed = false;
    let last: GraphAnswer | undefined;
    let attempts = 0;
    try {
      return await retry(
        async () => {
          attempts++;
          last = undefined; // a transport failure has no answer, and must not reuse the previous one's Retry-After
          last = await this.sendLimited(graphRequest, hooks, false, signal);
          if (last.status === 401 && !tokenRefreshed) {
            // A revoked or rotated token: ask Entra ID for a new one once, bypassing MSAL's cache, and resend at
            // once. Getting the credential right is part of this attempt, not a retry of a Graph failure.
            tokenRefreshed = true;
            last = await this.sendLimited(graphRequest, hooks, true, signal);
          }
          if (last.status === 200) return last;
          throw hooks.failure(last);
        },
        {
          policy,
          maxAttempts,
          ...(signal === undefined ? {} : { signal }),
          requestedDelayMs: () => (last?.retryAfterMs === undefined ? undefined : 0),
          onRetry: (info) => reportRetry(info, last, hooks),
        },
      );
    } catch (error) {
      // Stopped while a retry was due: the caller tells a shutdown from a failure by the abort error.
      if (signal?.aborted === true && isRetriable(error) && attempts < maxAttempts) signal.throwIfAborted();
      throw error;
    }
  }

  private sendLimited(
    graphRequest: GraphRequest,
    hooks: GraphCallHooks,
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<GraphAnswer> {
    const send = (): Promise<GraphAnswer> => this.send(graphRequest, hooks, forceTokenRefresh, signal);
    return this.options.limit === undefined ? send() : this.options.limit(send);
  }

  private async send(
    graphRequest: GraphRequest,
    hooks: GraphCallHooks,
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<GraphAnswer> {
    // While sign-in fails nothing can be sent: fail here (at once, from the token provider's backoff) rather than
    // take a place in the budget first. Otherwise a cached token, so the second ask below costs nothing.
    if (!forceTokenRefresh) await this.options.tokens.getToken();
    const settle = await this.options.budget.acquire(signal);
    let answer: GraphAnswer | undefined;
    try {
      answer = await this.sendCounted(graphRequest, hooks, forceTokenRefresh, signal);
      return answer;
    } finally {
      // What Graph answered, if it did: an adaptive budget lowers its rate on a 429 and climbs back on 200s.
      settle(answer === undefined ? undefined : { status: answer.status, retryAfterMs: answer.retryAfterMs });
    }
  }

  private async sendCounted(
    graphRequest: GraphRequest,
    hooks: GraphCallHooks,
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<GraphAnswer> {
    const token = await this.options.tokens.getToken(forceTokenRefresh);
    // A Retry-After may have arrived while the token was fetched: honour it before anything goes on the wire.
    await this.options.budget.waitWhilePaused(signal);
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      const response = await request(graphRequest.url, {
        method: graphRequest.method,
        dispatcher: this.options.dispatcher,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(graphRequest.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(graphRequest.body === undefined ? {} : { body: graphRequest.body }),
        signal: graphRequest.cancelOnStop && signal !== undefined ? AbortSignal.any([timeout, signal]) : timeout,
      });
      const status = response.statusCode;
      const retryAfterMs = RETRY_AFTER_STATUSES.has(status)
        ? parseRetryAfterMs(response.headers['retry-after'])
        : undefined;
      // Paused the moment the status line is read, before the body and before this request gives up its places:
      // set any later, a request started in between could still go out inside the Retry-After.
      if (retryAfterMs !== undefined) this.options.budget.pauseFor(retryAfterMs);
      const bodyText = await response.body.text();
      hooks.onResponse?.({ status, durationMs: performance.now() - started });
      return { status, bodyText, retryAfterMs, headers: response.headers };
    } catch (error) {
      if (graphRequest.cancelOnStop && signal?.aborted === true) signal.throwIfAborted();
      return graphTransportFailure(error, timeout.aborted, this.options.requestTimeoutMs);
    }
  }
}

function reportRetry(info: RetryAttemptInfo, answer: GraphAnswer | undefined, hooks: GraphCallHooks): void {
  if (answer?.retryAfterMs !== undefined) {
    hooks.onRetryAfter?.({ status: answer.status, delayMs: answer.retryAfterMs });
    return;
  }
  const reason = answer === undefined ? errorCode(info.error) : `HTTP ${answer.status}`;
  hooks.onRetry?.({ attempt: info.attempt, delayMs: info.delayMs, reason });
}

function errorCode(error: Error): string {
  return isConnectorError(error) ? error.code : error.name;
}
