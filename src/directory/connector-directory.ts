import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import type { ConnectorConfig, DiscoveryConfig } from '../config/index.js';
import { RequestBudget } from '../graph/index.js';
import { GraphDirectoryClient } from './directory-client.js';
import type { DirectoryObserver } from './directory-http.js';

/**
 * The directory client of a connector configuration, as the worker's discovery and `check-config --online` read
 * the directory: Graph's host and version, the shared token provider and dispatcher, and the directory's own
 * budget and concurrency (Graph throttles identity reads apart from presence, and so does this).
 */
export function connectorDirectoryClient(
  config: ConnectorConfig,
  discovery: DiscoveryConfig,
  parts: { dispatcher: Dispatcher; tokens: TokenProvider; observer?: DirectoryObserver },
): GraphDirectoryClient {
  return new GraphDirectoryClient({
    graphUrl: config.graph.graphUrl,
    apiVersion: config.graph.apiVersion,
    tokens: parts.tokens,
    dispatcher: parts.dispatcher,
    budget: new RequestBudget({
      maxRequests: discovery.requestBudget.maxRequests,
      windowMs: discovery.requestBudget.windowSeconds * 1000,
    }),
    limit: pLimit(discovery.concurrency),
    requestTimeoutMs: config.graph.requestTimeoutMs,
    backoff: config.graph.backoff,
    ...(parts.observer === undefined ? {} : { observer: parts.observer }),
  });
}
