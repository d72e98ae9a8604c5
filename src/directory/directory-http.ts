/**
 * One directory GET, as the presence client sends its POST: through the directory's own request budget (so a
 * directory round never takes presence's share, and a directory Retry-After never holds presence polling), over
 * the shared undici dispatcher with an MSAL token, retried per the one retry policy (src/retry).
 */
import type { LimitFunction } from 'p-limit';
import { request, type Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import { isConnectorError } from '../errors.js';
import { graphTransportFailure, type RequestBudget } from '../graph/index.js';
import { isRetriable, parseRetryAfterMs, retry, type BackoffPolicy, type RetryAttemptInfo } from '../retry/index.js';
import { classifyDirectoryFailure, type DirectoryOperation, type DirectoryRequestContext } from './failures.js';
import { badPage } from './pages.js';

export interface DirectoryHttpOptions {
  tokens: TokenProvider;
  dispatcher: Dispatcher;
  /** The directory's budget, never the presence one: Graph throttles directory reads separately. */
  budget: RequestBudget;
  /** Bounds directory requests in flight; absent: no bound beyond the budget (paging is sequential anyway). */
  limit?: LimitFunction;
  requestTimeoutMs: number;
  /** Retries of transient failures without a Retry-After, as for presence (see PresenceClientOptions). */
  backoff: BackoffPolicy & { maxAttempts: number };
  observer?: DirectoryObserver;
}

/** Hooks for metrics and logs, so this module depends on neither. */
export interface DirectoryObserver {
  onResponse?(info: { operation: DirectoryOperation; status: number; durationMs: number }): void;
  onRetryAfter?(info: { operation: DirectoryOperation; status: number; delayMs: number }): void;
  onRetry?(info: { operation: DirectoryOperation; attempt: number; delayMs: number; reason: string }): void;
}

interface HttpOutcome {
  status: number;
  bodyText: string;
  retryAfterMs: number | undefined;
  location: string | undefined;
}

/** Graph documents Retry-After on throttling (429) and on these server answers; elsewhere it is not a pause. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

export class DirectoryHttp {
  constructor(private readonly options: DirectoryHttpOptions) {}

  /** The parsed JSON body of a 200, or the typed failure of anything else. */
  async getJson(url: string, context: DirectoryRequestContext, signal?: AbortSignal): Promise<unknown> {
    const { maxAttempts, ...policy } = this.options.backoff;
    let tokenRefreshed = false;
    let last: HttpOutcome | undefined;
    let attempts = 0;
    try {
      const bodyText = await retry(
        async () => {
          attempts++;
          last = undefined; // a transport failure has no outcome, and must not reuse the previous one's Retry-After
          last = await this.sendLimited(url, context, false, signal);
          if (last.status === 401 && !tokenRefreshed) {
            // A revoked or rotated token: one fresh token from Entra ID, resent at once, as the presence client does.
            tokenRefreshed = true;
            last = await this.sendLimited(url, context, true, signal);
          }
          if (last.status === 200) return last.bodyText;
          throw classifyDirectoryFailure(
            {
              status: last.status,
              bodyText: last.bodyText,
              ...(last.location === undefined ? {} : { location: last.location }),
            },
            context,
          );
        },
        {
          policy,
          maxAttempts,
          ...(signal === undefined ? {} : { signal }),
          // The budget's pause holds the retry until the Retry-After expires, so the loop itself need not wait.
          requestedDelayMs: () => (last?.retryAfterMs === undefined ? undefined : 0),
          onRetry: (info) => this.beforeRetry(info, last, context.operation),
        },
      );
      return parseJson(bodyText, context);
    } catch (error) {
      // Stopped while a retry was due: the caller tells a shutdown from a failed round by the abort error.
      if (signal?.aborted === true && isRetriable(error) && attempts < maxAttempts) signal.throwIfAborted();
      throw error;
    }
  }

  private sendLimited(
    url: string,
    context: DirectoryRequestContext,
    forceRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    const send = (): Promise<HttpOutcome> => this.send(url, context, forceRefresh, signal);
    return this.options.limit === undefined ? send() : this.options.limit(send);
  }

  private beforeRetry(info: RetryAttemptInfo, outcome: HttpOutcome | undefined, operation: DirectoryOperation): void {
    if (outcome?.retryAfterMs !== undefined) {
      // Graph keeps counting while a client is throttled: every directory request waits, not only this one.
      this.options.budget.pauseFor(outcome.retryAfterMs);
      this.options.observer?.onRetryAfter?.({ operation, status: outcome.status, delayMs: outcome.retryAfterMs });
      return;
    }
    const reason = outcome === undefined ? errorCode(info.error) : `HTTP ${outcome.status}`;
    this.options.observer?.onRetry?.({ operation, attempt: info.attempt, delayMs: info.delayMs, reason });
  }

  private async send(
    url: string,
    context: DirectoryRequestContext,
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    const settle = await this.options.budget.acquire(signal);
    try {
      return await this.sendCounted(url, context, forceTokenRefresh, signal);
    } finally {
      settle();
    }
  }

  private async sendCounted(
    url: string,
    context: DirectoryRequestContext,
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    const token = await this.options.tokens.getToken(forceTokenRefresh);
    // A Retry-After may have arrived while the token was fetched: honour it before anything goes on the wire.
    await this.options.budget.waitWhilePaused(signal);
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      const response = await request(url, {
        method: 'GET',
        dispatcher: this.options.dispatcher,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        // A GET changes nothing, so a stop may cut it short: the round is abandoned and its link not stored.
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      });
      const bodyText = await response.body.text();
      const status = response.statusCode;
      const durationMs = performance.now() - started;
      this.options.observer?.onResponse?.({ operation: context.operation, status, durationMs });
      const retryAfterMs = RETRY_AFTER_STATUSES.has(status)
        ? parseRetryAfterMs(response.headers['retry-after'])
        : undefined;
      // As the presence client does: paused the moment the answer is read, before this request's place is given up.
      if (retryAfterMs !== undefined) this.options.budget.pauseFor(retryAfterMs);
      return {
        status,
        bodyText,
        retryAfterMs,
        location: headerValue(response.headers['location']),
      };
    } catch (error) {
      if (signal?.aborted === true) signal.throwIfAborted();
      return graphTransportFailure(error, timeout.aborted, this.options.requestTimeoutMs);
    }
  }
}

function parseJson(bodyText: string, context: DirectoryRequestContext): unknown {
  try {
    return JSON.parse(bodyText);
  } catch (error) {
    throw badPage(context.operation, `body is not JSON (${bodyText.length} bytes)`, error);
  }
}

function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

function errorCode(error: Error): string {
  return isConnectorError(error) ? error.code : error.name;
}
