import type { LimitFunction } from 'p-limit';
import { request, type Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import { ConnectorError, ErrorCodes, isConnectorError } from '../errors.js';
import {
  isRetriable,
  isRetriableHttpStatus,
  parseRetryAfterMs,
  retry,
  type BackoffPolicy,
  type RetryAttemptInfo,
} from '../retry/index.js';
import { graphErrorCode, graphTransportFailure } from './graph-errors.js';
import { parsePresenceResponse, type Presence } from './presence.js';
import type { RequestBudget } from './request-budget.js';

/** Graph's documented ceiling for one getPresencesByUserId request. */
export const MAX_IDS_PER_REQUEST = 650;

export interface PresenceClientOptions {
  graphUrl: string;
  apiVersion: string;
  tokens: TokenProvider;
  dispatcher: Dispatcher;
  /** Shared by every request to this tenant, across shards. */
  budget: RequestBudget;
  /** p-limit instance bounding requests in flight to this tenant. */
  limit: LimitFunction;
  requestTimeoutMs: number;
  /**
   * Retries of transient failures without a Retry-After. No floor under the full-jitter delay: an early retry
   * still goes through the tenant's request budget, so it cannot exceed Graph's limit, and a Retry-After (which
   * Graph sends when it wants a client to wait) replaces the backoff.
   */
  backoff: BackoffPolicy & { maxAttempts: number };
  observer?: GraphObserver;
}

/** Hooks for metrics and logs, so this module does not depend on either. */
export interface GraphObserver {
  onResponse?(info: { status: number; durationMs: number; ids: number }): void;
  onRetryAfter?(info: { status: number; delayMs: number }): void;
  onRetry?(info: { attempt: number; delayMs: number; reason: string }): void;
}

export interface PresenceBatchResult {
  presences: Presence[];
  /** Requested ids that the 200 response did not include (unknown users, users without presence). */
  missingIds: string[];
  /** Ids that Graph rejected with a 400 when sent alone: never request them again. */
  rejectedIds: string[];
}

interface HttpOutcome {
  status: number;
  bodyText: string;
  retryAfterMs: number | undefined;
}

export class GraphPresenceClient {
  private readonly endpoint: string;

  constructor(private readonly options: PresenceClientOptions) {
    this.endpoint = `${options.graphUrl.replace(/\/+$/, '')}/${options.apiVersion}/communications/getPresencesByUserId`;
  }

  /**
   * Fetches one batch. A 400 is answered by splitting the batch in halves until the ids Graph rejects are
   * isolated, so one bad id never blocks the 649 good ones beside it.
   */
  async fetchPresences(ids: readonly string[], signal?: AbortSignal): Promise<PresenceBatchResult> {
    if (ids.length > MAX_IDS_PER_REQUEST) {
      throw new RangeError(`at most ${MAX_IDS_PER_REQUEST} ids per request, got ${ids.length}`);
    }
    if (ids.length === 0) return { presences: [], missingIds: [], rejectedIds: [] };
    try {
      const presences = await this.requestWithRetries(ids, signal);
      return { presences: onlyRequested(presences, ids), missingIds: missingFrom(presences, ids), rejectedIds: [] };
    } catch (error) {
      if (!isConnectorError(error, ErrorCodes.GRAPH_BAD_REQUEST)) throw error;
      if (ids.length === 1) return { presences: [], missingIds: [], rejectedIds: [...ids] };
      const middle = Math.ceil(ids.length / 2);
      const [left, right] = await Promise.all([
        this.fetchPresences(ids.slice(0, middle), signal),
        this.fetchPresences(ids.slice(middle), signal),
      ]);
      return {
        presences: [...left.presences, ...right.presences],
        missingIds: [...left.missingIds, ...right.missingIds],
        rejectedIds: [...left.rejectedIds, ...right.rejectedIds],
      };
    }
  }

  /**
   * One request, retried per the one retry policy (src/retry). A Retry-After is not slept here: it pauses the
   * tenant's budget, which holds this retry and every other request of the tenant until it expires.
   */
  private async requestWithRetries(ids: readonly string[], signal: AbortSignal | undefined): Promise<Presence[]> {
    const { maxAttempts, ...policy } = this.options.backoff;
    let tokenRefreshed = false;
    let last: HttpOutcome | undefined;
    let attempts = 0;
    try {
      const bodyText = await retry(
        async () => {
          attempts++;
          last = undefined; // a transport failure has no outcome, and must not reuse the previous one's Retry-After
          last = await this.sendLimited(ids, false, signal);
          if (last.status === 401 && !tokenRefreshed) {
            // A revoked or rotated token: ask Entra ID for a new one once, bypassing MSAL's cache, and resend at
            // once. Getting the credential right is part of this attempt, not a retry of a Graph failure.
            tokenRefreshed = true;
            last = await this.sendLimited(ids, true, signal);
          }
          if (last.status === 200) return last.bodyText;
          throw classifyFailure(last, ids.length);
        },
        {
          policy,
          maxAttempts,
          ...(signal === undefined ? {} : { signal }),
          requestedDelayMs: () => (last?.retryAfterMs === undefined ? undefined : 0),
          onRetry: (info) => this.beforeRetry(info, last),
        },
      );
      // A 200 body that is not the documented shape fails the batch at once: Graph would answer the same again.
      return parsePresenceResponse(bodyText);
    } catch (error) {
      // Stopped while a retry was due: the poller tells a shutdown from a failed batch by the abort error.
      if (signal?.aborted === true && isRetriable(error) && attempts < maxAttempts) signal.throwIfAborted();
      throw error;
    }
  }

  private sendLimited(
    ids: readonly string[],
    forceRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    return this.options.limit(() => this.send(ids, forceRefresh, signal));
  }

  private beforeRetry(info: RetryAttemptInfo, outcome: HttpOutcome | undefined): void {
    if (outcome?.retryAfterMs !== undefined) {
      // Graph keeps counting while a client is throttled: every request of the tenant waits, not only this one.
      this.options.budget.pauseFor(outcome.retryAfterMs);
      this.options.observer?.onRetryAfter?.({ status: outcome.status, delayMs: outcome.retryAfterMs });
      return;
    }
    const reason = outcome === undefined ? errorCode(info.error) : `HTTP ${outcome.status}`;
    this.options.observer?.onRetry?.({ attempt: info.attempt, delayMs: info.delayMs, reason });
  }

  private async send(
    ids: readonly string[],
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    // While sign-in fails nothing can be sent: fail here (at once, from the token provider's backoff) rather than
    // take a slot of the tenant's budget first. Otherwise a cached token, so the second ask below costs nothing.
    if (!forceTokenRefresh) await this.options.tokens.getToken();
    const settle = await this.options.budget.acquire(signal);
    try {
      return await this.sendCounted(ids, forceTokenRefresh, signal);
    } finally {
      settle();
    }
  }

  private async sendCounted(
    ids: readonly string[],
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    const token = await this.options.tokens.getToken(forceTokenRefresh);
    // A Retry-After may have arrived while the token was fetched: honour it before anything goes on the wire.
    await this.options.budget.waitWhilePaused(signal);
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
    try {
      const response = await request(this.endpoint, {
        method: 'POST',
        dispatcher: this.options.dispatcher,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ids }),
        // Not the stop signal: a request already sent is let finish so its presences still reach Kafka.
        signal: timeout,
      });
      const bodyText = await response.body.text();
      const status = response.statusCode;
      this.options.observer?.onResponse?.({ status, durationMs: performance.now() - started, ids: ids.length });
      const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']);
      // Paused the moment the answer is read, before this request's slot and its p-limit place are given up: set
      // later (by the retry loop), a request started in between could still go out inside the Retry-After.
      if (retryAfterMs !== undefined && status >= 400) this.options.budget.pauseFor(retryAfterMs);
      return { status, bodyText, retryAfterMs };
    } catch (error) {
      return graphTransportFailure(error, timeout.aborted, this.options.requestTimeoutMs);
    }
  }
}

function errorCode(error: Error): string {
  return isConnectorError(error) ? error.code : error.name;
}

function classifyFailure(outcome: HttpOutcome, idCount: number): ConnectorError {
  const { status } = outcome;
  const details = { status, graphError: graphErrorCode(outcome.bodyText), ids: idCount };
  if (status === 400) {
    return new ConnectorError(ErrorCodes.GRAPH_BAD_REQUEST, 'Graph rejected the batch (400)', { details });
  }
  if (status === 401) {
    // Still retried with backoff, as before the shared policy, so that behaviour does not change; the status table
    // (isRetriableHttpStatus) leaves 401 out because only this client knows a fresh token was already tried.
    return new ConnectorError(ErrorCodes.GRAPH_UNAUTHORIZED, 'Graph rejected the token (401) even after a refresh', {
      details,
      retriable: true,
    });
  }
  if (status === 403) {
    return new ConnectorError(
      ErrorCodes.GRAPH_FORBIDDEN,
      'Graph refused access (403): the app registration needs the Presence.Read.All application permission ' +
        'with admin consent granted in this tenant',
      { details },
    );
  }
  if (status === 429) {
    return new ConnectorError(ErrorCodes.GRAPH_THROTTLED, 'Graph throttled the request (429)', {
      details,
      retriable: true,
    });
  }
  return new ConnectorError(ErrorCodes.GRAPH_UNAVAILABLE, `Graph answered HTTP ${status}`, {
    details,
    retriable: isRetriableHttpStatus(status),
  });
}

function onlyRequested(presences: Presence[], ids: readonly string[]): Presence[] {
  const requested = new Set(ids);
  return presences.filter((presence) => requested.has(presence.id));
}

function missingFrom(presences: Presence[], ids: readonly string[]): string[] {
  const returned = new Set(presences.map((presence) => presence.id));
  return ids.filter((id) => !returned.has(id));
}
