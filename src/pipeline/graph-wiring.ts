import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import { connectorTokens, type SignInObserver, type TokenProvider } from '../auth/index.js';
import type { ConnectorConfig, ShardConfig } from '../config/index.js';
import { GraphPresenceClient, RequestBudget, type RateChange } from '../graph/index.js';
import { graphClientObserver, type StageTelemetry } from '../observability/index.js';

/** Requests count until their response arrives (see RequestBudget); this only absorbs clock granularity. */
const BUDGET_SAFETY_MARGIN_MS = 100;

/**
 * The presence budget. With `graph.requestBudget.adaptive` it also learns, from Graph's 429s, the rate Graph really
 * grants this worker, and `onRateChange` hears each change of it.
 */
export function createBudget(
  config: ConnectorConfig,
  onRateChange?: (change: RateChange) => void,
  random?: () => number,
): RequestBudget {
  const { maxRequests, windowSeconds, adaptive, recoverySeconds } = config.graph.requestBudget;
  return new RequestBudget({
    maxRequests,
    windowMs: windowSeconds * 1000,
    safetyMarginMs: BUDGET_SAFETY_MARGIN_MS,
    ...(adaptive
      ? {
          adaptive: {
            recoveryMs: recoverySeconds * 1000,
            ...(onRateChange === undefined ? {} : { onChange: onRateChange }),
            ...(random === undefined ? {} : { random }),
          },
        }
      : {}),
  });
}

/**
 * The tenant's budget is per app, not per worker. Each worker takes the share of it that its shards need:
 * their requests per cycle over all shards' requests per cycle. Every worker computes the same shares from
 * the same config, so together they never exceed the budget, and no worker needs to know how many others run.
 */
export function budgetShare(config: ConnectorConfig, shards: readonly ShardConfig[], owned: readonly string[]): number {
  const requests = (shard: ShardConfig) => Math.ceil(shard.userIds.length / config.graph.batchSize);
  const total = shards.reduce((sum, shard) => sum + requests(shard), 0);
  const mine = shards.filter((shard) => owned.includes(shard.name)).reduce((sum, shard) => sum + requests(shard), 0);
  return Math.max(1, Math.floor((config.graph.requestBudget.maxRequests * mine) / Math.max(1, total)));
}

/** One MSAL client per worker: presence and directory requests share its cached token. */
export function createTokens(
  config: ConnectorConfig,
  dispatcher: Dispatcher,
  observer?: SignInObserver,
): TokenProvider {
  return connectorTokens(config, dispatcher, observer);
}

export function createGraphClient(
  config: ConnectorConfig,
  dispatcher: Dispatcher,
  tokens: TokenProvider,
  budget: RequestBudget,
  telemetry: StageTelemetry,
): GraphPresenceClient {
  return new GraphPresenceClient({
    graphUrl: config.graph.graphUrl,
    apiVersion: config.graph.apiVersion,
    dispatcher,
    tokens,
    budget,
    limit: pLimit(config.graph.concurrency),
    requestTimeoutMs: config.graph.requestTimeoutMs,
    backoff: config.graph.backoff,
    observer: graphClientObserver(telemetry),
  });
}
