/**
 * `check-config --online`: after the offline summary, signs in to Entra ID and resolves the discovery sources
 * against Graph in one full directory round, the round a worker runs first, through the same HTTP stack, token
 * provider and directory client with the directory's own budget. It polls no presence and writes nothing to
 * Kafka: the round's records are dropped, and the watched directory they fill is only counted (online-report.ts).
 */
import type { Dispatcher } from 'undici';
import { connectorTokens, type TokenProvider } from '../auth/index.js';
import type { ConfigSummary, ConnectorConfig, DiscoveryConfig } from '../config/index.js';
import {
  connectorDirectoryClient,
  type GraphDirectoryClient,
  isDirectoryGroupNotFound,
  type DirectoryObserver,
  type DirectoryUser,
  type UsersDeltaPage,
} from '../directory/index.js';
import {
  DirectoryRecordCodec,
  runDiscoveryRound,
  WatchedDirectory,
  WatchRule,
  type DirectoryReader,
} from '../discovery/index.js';
import { isConnectorError, type ConnectorError } from '../errors.js';
import { createHttpDispatcher } from '../http/index.js';
import { count, elapsed, reportLines, type OnlineRound } from './online-report.js';

/** Where the check prints: the report on one stream, the failures (`CODE: message`) on the other. */
export interface OnlineOutput {
  line(text: string): void;
  error(text: string): void;
  /** The users the discovery sources amount to, once counted (for the caller's budget verdict). */
  counted?: (watchedUsers: number) => void;
}

/** Records per write; the writes go nowhere, so this only sets how often the round applies its changes. */
const CHUNK_SIZE = 10_000;

/**
 * Runs the online check of a loaded config whose offline summary was printed; returns the exit code: 0 when
 * every source was read and every group exists, 1 otherwise (and when no token could be obtained).
 */
export async function runOnlineCheck(
  config: ConnectorConfig,
  offline: ConfigSummary,
  output: OnlineOutput,
): Promise<number> {
  const started = performance.now();
  const requests = new RequestTally();
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: (config.discovery?.concurrency ?? 1) + 2,
    ...(config.graph.caPem === undefined ? {} : { extraCaPem: config.graph.caPem }),
    ...(config.graph.proxyUrl === undefined ? {} : { proxyUrl: config.graph.proxyUrl }),
  });
  try {
    output.line('');
    output.line(
      `Online check against ${config.graph.graphUrl}: directory reads only, no presence request, nothing written to Kafka`,
    );
    const tokens = connectorTokens(config, dispatcher);
    const tokenStarted = performance.now();
    await tokens.getToken();
    output.line(
      `  token       app ${config.tenant.clientId} signed in at ${config.graph.authorityUrl}/${config.tenant.id} ` +
        `in ${elapsed(tokenStarted)}`,
    );
    const { discovery } = config;
    if (discovery === undefined) {
      // A token is still worth checking: tenant, app, credential, authority, proxy and CA bundle all take part.
      output.line('  discovery   none configured: no sources to resolve against Graph');
      output.line(`Online check OK in ${elapsed(started)}`);
      return 0;
    }
    const { maxRequests, windowSeconds } = discovery.requestBudget;
    output.line(
      `  reading     every source in full within the directory budget (${count(maxRequests)} requests per ` +
        `${windowSeconds} s, ${discovery.concurrency} in flight): a large tenant takes a while`,
    );
    const round = await resolveSources(config, discovery, dispatcher, tokens, requests);
    output.counted?.(round.directory.watchedCount);
    const { lines, problems } = reportLines(config, round, offline.warnings);
    for (const line of lines) output.line(line);
    for (const problem of problems) output.error(problem);
    output.line(
      `Online check ${problems.length === 0 ? 'OK' : 'FAILED'} in ${elapsed(started)}: ` +
        `${requestsText(requests)}, no presence request`,
    );
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    output.error(`${error.code}: ${error.message}`);
    output.line(`Online check FAILED in ${elapsed(started)}: ${requestsText(requests)}`);
    return 1;
  } finally {
    await dispatcher.close();
  }
}

/** One full round from no delta link into a fresh watched directory; its writes resolve at once and keep nothing. */
async function resolveSources(
  config: ConnectorConfig,
  discovery: DiscoveryConfig,
  dispatcher: Dispatcher,
  tokens: TokenProvider,
  requests: RequestTally,
): Promise<OnlineRound> {
  const explicit = new Set(config.shards.flatMap((shard) => shard.userIds));
  const rule = new WatchRule(discovery.sources);
  const directory = new WatchedDirectory({
    rule,
    shardNames: discovery.shardNames,
    isExplicit: (userId) => explicit.has(userId),
  });
  // The directory's own budget and concurrency, as a worker reads the directory.
  const client = connectorDirectoryClient(config, discovery, { dispatcher, tokens, observer: requests });
  const reader = new CheckingReader(client);
  const started = performance.now();
  const report = await runDiscoveryRound(
    { directory, rule, codec: new DirectoryRecordCodec(rule), reader, write: async () => {}, chunkSize: CHUNK_SIZE },
    undefined,
  );
  return {
    discovery,
    directory,
    rule,
    explicit,
    report,
    failures: reader.failures,
    roundMs: performance.now() - started,
    requests: { ...requests },
  };
}

/**
 * The directory client with each source's failure kept instead of ending the round, so that one run names every
 * missing permission: a source that fails counts as read up to where it failed, and the check fails. A group Graph
 * does not have is passed on: the round reports it as missing.
 */
class CheckingReader implements DirectoryReader {
  /** Keyed by `tenant` or the group id. */
  readonly failures = new Map<string, ConnectorError>();

  constructor(private readonly client: GraphDirectoryClient) {}

  usersDelta(options: { deltaLink?: string; signal?: AbortSignal }): AsyncIterable<UsersDeltaPage> {
    return this.guarded('tenant', this.client.usersDelta(options));
  }

  listGroupUsers(groupId: string, signal?: AbortSignal): AsyncIterable<DirectoryUser[]> {
    return this.guarded(groupId, this.client.listGroupUsers(groupId, signal));
  }

  private async *guarded<T>(source: string, pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
    try {
      yield* pages;
    } catch (error) {
      if (isDirectoryGroupNotFound(error)) {
        this.failures.set(source, error);
        throw error;
      }
      if (!isConnectorError(error)) throw error;
      this.failures.set(source, error);
    }
  }
}

/** What the directory client did, from its observer. A request lost in transport (no answer) is not counted. */
class RequestTally implements DirectoryObserver {
  answered = 0;
  retried = 0;
  throttled = 0;

  onResponse(): void {
    this.answered++;
  }

  onRetry(): void {
    this.retried++;
  }

  onRetryAfter(): void {
    this.retried++;
    this.throttled++;
  }
}

function requestsText(requests: RequestTally): string {
  return `${count(requests.answered)} directory request${requests.answered === 1 ? '' : 's'}`;
}

/**
 * One MSAL client, as src/pipeline/graph-wiring.ts createTokens builds it (not exported through src/pipeline's
 * index, and importing that index would load Kafka).
 */
