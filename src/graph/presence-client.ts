import type { LimitFunction } from 'p-limit';
import type { Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import { ConnectorError, ErrorCodes, isConnectorError } from '../errors.js';
import { isRetriableHttpStatus, type BackoffPolicy } from '../retry/index.js';
import { GraphCaller, type GraphAnswer } from './graph-call.js';
import { graphErrorCode } from './graph-errors.js';
import { matchRequested } from './presence-match.js';
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

export class GraphPresenceClient {
  private readonly endpoint: string;
  private readonly caller: GraphCaller;

  constructor(private readonly options: PresenceClientOptions) {
    this.endpoint = `${options.graphUrl.replace(/\/+$/, '')}/${options.apiVersion}/communications/getPresencesByUserId`;
    this.caller = new GraphCaller(options);
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
      return { ...matchRequested(presences, ids), rejectedIds: [] };
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

  /** One request, retried per the one retry policy (src/retry) through the shared Graph caller. */
  private async requestWithRetries(ids: readonly string[], signal: AbortSignal | undefined): Promise<Presence[]> {
    const observer = this.options.observer;
    const answer = await this.caller.call(
      { url: this.endpoint, method: 'POST', body: JSON.stringify({ ids }), cancelOnStop: false },
      {
        failure: (failed) => classifyFailure(failed, ids.length),
        onResponse: (info) => observer?.onResponse?.({ ...info, ids: ids.length }),
        onRetryAfter: (info) => observer?.onRetryAfter?.(info),
        onRetry: (info) => observer?.onRetry?.(info),
      },
      signal,
    );
    // A 200 body that is not the documented shape fails the batch at once: Graph would answer the same again.
    return parsePresenceResponse(answer.bodyText);
  }
}

function classifyFailure(answer: GraphAnswer, idCount: number): ConnectorError {
  const { status } = answer;
  const details = { status, graphError: graphErrorCode(answer.bodyText), ids: idCount };
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
