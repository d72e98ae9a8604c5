import { setTimeout as sleep } from 'node:timers/promises';
import type { LimitFunction } from 'p-limit';
import { request, type Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import { ConnectorError, ErrorCodes, isConnectorError } from '../errors.js';
import { backoffDelayMs, parseRetryAfterMs, type BackoffOptions } from './backoff.js';
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
  backoff: BackoffOptions & { maxAttempts: number };
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

  private async requestWithRetries(ids: readonly string[], signal: AbortSignal | undefined): Promise<Presence[]> {
    const { maxAttempts } = this.options.backoff;
    let tokenRefreshed = false;
    let refreshTokenNow = false;
    for (let attempt = 0; ; attempt++) {
      const forceRefresh = refreshTokenNow;
      refreshTokenNow = false;
      let outcome: HttpOutcome;
      try {
        outcome = await this.options.limit(() => this.send(ids, forceRefresh, signal));
      } catch (error) {
        if (!isConnectorError(error) || !error.retriable || attempt + 1 >= maxAttempts) throw error;
        await this.backOff(attempt, error.code, signal);
        continue;
      }
      if (outcome.status === 200) return parsePresenceResponse(outcome.bodyText);
      if (outcome.status === 401 && !tokenRefreshed) {
        // A revoked or rotated token: ask Entra ID for a new one once, bypassing MSAL's cache.
        tokenRefreshed = true;
        refreshTokenNow = true;
        continue;
      }
      const error = classifyFailure(outcome, ids.length);
      if (!error.retriable || attempt + 1 >= maxAttempts) throw error;
      await this.waitBeforeRetry(outcome, attempt, signal);
    }
  }

  private async backOff(attempt: number, reason: string, signal: AbortSignal | undefined): Promise<void> {
    const delayMs = backoffDelayMs(attempt, this.options.backoff);
    this.options.observer?.onRetry?.({ attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs, undefined, signal === undefined ? {} : { signal });
  }

  private async waitBeforeRetry(outcome: HttpOutcome, attempt: number, signal: AbortSignal | undefined) {
    if (outcome.retryAfterMs !== undefined) {
      // Graph keeps counting while a client is throttled: every request of the tenant waits, not only this one.
      this.options.budget.pauseFor(outcome.retryAfterMs);
      this.options.observer?.onRetryAfter?.({ status: outcome.status, delayMs: outcome.retryAfterMs });
      return; // the budget's pause is the wait
    }
    await this.backOff(attempt, `HTTP ${outcome.status}`, signal);
  }

  private async send(
    ids: readonly string[],
    forceTokenRefresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
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
      return { status, bodyText, retryAfterMs: parseRetryAfterMs(response.headers['retry-after']) };
    } catch (error) {
      return transportFailure(error, timeout.aborted, this.options.requestTimeoutMs);
    }
  }
}

/** Timeouts and connection errors become a retriable outcome so that they follow the same backoff path. */
function transportFailure(error: unknown, timedOut: boolean, timeoutMs: number): never {
  if (timedOut) {
    throw new ConnectorError(ErrorCodes.GRAPH_TIMEOUT, `Graph did not answer within ${timeoutMs} ms`, {
      cause: error,
      retriable: true,
    });
  }
  throw new ConnectorError(ErrorCodes.GRAPH_NETWORK, 'could not reach Microsoft Graph', {
    cause: error,
    retriable: true,
  });
}

function classifyFailure(outcome: HttpOutcome, idCount: number): ConnectorError {
  const { status } = outcome;
  const details = { status, graphError: graphErrorCode(outcome.bodyText), ids: idCount };
  if (status === 400) {
    return new ConnectorError(ErrorCodes.GRAPH_BAD_REQUEST, 'Graph rejected the batch (400)', { details });
  }
  if (status === 401) {
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
  if (status === 200) {
    return new ConnectorError(ErrorCodes.GRAPH_BAD_RESPONSE, 'unexpected Graph response', { details, retriable: true });
  }
  return new ConnectorError(ErrorCodes.GRAPH_UNAVAILABLE, `Graph answered HTTP ${status}`, {
    details,
    retriable: status >= 500 || status === 408,
  });
}

function graphErrorCode(bodyText: string): string | undefined {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const error: unknown = body.error;
      if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
    }
    return undefined;
  } catch {
    return undefined; // an error body that is not JSON simply has no Graph error code
  }
}

function onlyRequested(presences: Presence[], ids: readonly string[]): Presence[] {
  const requested = new Set(ids);
  return presences.filter((presence) => requested.has(presence.id));
}

function missingFrom(presences: Presence[], ids: readonly string[]): string[] {
  const returned = new Set(presences.map((presence) => presence.id));
  return ids.filter((id) => !returned.has(id));
}
