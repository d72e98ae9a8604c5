import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Dispatcher } from 'undici';
import { createTokenProvider, type ClientCredential } from '../auth/index.js';
import type { ConnectorConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes, toError } from '../errors.js';
import { createPresenceEventCodec } from '../events/index.js';
import { GraphPresenceClient, RequestBudget } from '../graph/index.js';
import { createHttpDispatcher } from '../http/index.js';
import {
  ConnectorMetrics,
  startHealthServer,
  type HealthServer,
  type HealthStatus,
  type Logger,
} from '../observability/index.js';
import { ShardPoller } from '../poller/index.js';
import { KafkaSink, type EventSink } from '../sink/index.js';
import { createStateCodec, PresenceStateStore, type StateCodec } from '../state/index.js';
import { createPresenceProcessor } from './presence-processor.js';
import { WorkerHealth } from './worker-health.js';

export interface WorkerDependencies {
  logger: Logger;
  metrics?: ConnectorMetrics;
  /** Replaces the Kafka sink; the seam for another Kafka client. */
  sink?: EventSink;
  random?: () => number;
}

export interface Worker {
  start(): Promise<void>;
  /** Stops polling, lets requests in flight finish and reach Kafka, flushes and disconnects. */
  stop(): Promise<void>;
  health(): HealthStatus;
  readonly metrics: ConnectorMetrics;
  /** Port of the metrics/health server, when enabled. */
  readonly httpPort: number | undefined;
}

/** Wires config -> poller -> graph client -> dedup -> encoder -> sink for one process. */
export function createWorker(config: ConnectorConfig, dependencies: WorkerDependencies): Worker {
  const { logger } = dependencies;
  const metrics = dependencies.metrics ?? new ConnectorMetrics();
  const random = dependencies.random ?? Math.random;
  const health = new WorkerHealth(config.shards.map((shard) => shard.name));
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: config.graph.concurrency + 2,
    ...(config.graph.caFile === undefined ? {} : { extraCaPem: readFileSync(config.graph.caFile, 'utf8') }),
  });
  const sink = dependencies.sink ?? createKafkaSink(config, logger, metrics, health);
  const store = new PresenceStateStore();
  const stateCodec = createStateCodec();
  const graph = createGraphClient(config, dispatcher, metrics);
  const deliverBatch = createPresenceProcessor({
    tenantId: config.tenant.id,
    connectorName: config.connectorName,
    store,
    codec: createPresenceEventCodec(),
    stateCodec,
    sink,
    observer: {
      onVerdicts: (counts) => {
        metrics.presencesDropped.inc({ reason: 'duplicate' }, counts.duplicate);
        metrics.presencesDropped.inc({ reason: 'stale' }, counts.stale);
      },
      onMissingIds: ({ shard, ids }) => {
        metrics.missingIds.inc(ids.length);
        logger.debug({ shard, ids }, 'ids missing from the Graph response');
      },
      onPublished: ({ snapshots, changes, usersTracked }) => {
        metrics.eventsPublished.inc({ kind: 'snapshot' }, snapshots);
        metrics.eventsPublished.inc({ kind: 'change' }, changes);
        metrics.usersTracked.set(usersTracked);
      },
    },
  });
  const pollers = config.shards.map(
    (shard) =>
      new ShardPoller({
        shard,
        intervalMs: config.polling.intervalSeconds * 1000,
        startDelayMs: Math.round(random() * config.polling.startJitterSeconds * 1000),
        batchSize: config.graph.batchSize,
        fetchBatch: (ids, signal) => graph.fetchPresences(ids, signal),
        deliverBatch,
        logger: logger.child({ shard: shard.name }),
        observer: {
          onCycle: (report) => {
            metrics.cycleDuration.observe({ shard: report.shard }, report.durationMs / 1000);
            metrics.shardLag.set({ shard: report.shard }, report.lagMs / 1000);
            health.recordCycle(report.shard, report.failedBatches === 0);
            logger.debug({ ...report }, 'poll cycle finished');
          },
          onBatchFailed: ({ shard, error }) =>
            metrics.batchFailures.inc({ shard, code: error instanceof ConnectorError ? error.code : 'UNKNOWN' }),
          onQuarantined: ({ shard, total }) => metrics.quarantinedIds.set({ shard }, total),
          onStopped: ({ shard, reason }) => health.recordStopped(shard, reason),
        },
      }),
  );
  let healthServer: HealthServer | undefined;
  const starting = new AbortController();
  let stopping: Promise<void> | undefined;

  async function stopWorker(): Promise<void> {
    const deadline = Date.now() + config.shutdown.timeoutSeconds * 1000;
    health.recordStopping();
    starting.abort();
    const stopped = await withDeadline(Promise.all(pollers.map((poller) => poller.stop())), deadline);
    await sink.close(Math.max(0, deadline - Date.now()));
    await healthServer?.close();
    await dispatcher.close();
    if (!stopped) {
      throw new ConnectorError(ErrorCodes.SHUTDOWN_TIMEOUT, 'requests in flight did not finish before the shutdown timeout');
    }
  }

  return {
    metrics,
    get httpPort() {
      return healthServer?.port;
    },
    health: () => health.status(),
    async start() {
      if (config.observability.httpPort !== 0) {
        healthServer = await startHealthServer({
          port: config.observability.httpPort,
          registry: metrics.registry,
          status: () => health.status(),
        });
        logger.info({ port: healthServer.port }, 'metrics and health endpoints listening');
      }
      const delivery = await sink.connect(starting.signal);
      health.recordSinkConnected();
      await retryUntilDone('open shards and restore their state', logger, starting.signal, async () => {
        // Own the shards first (fencing older producers, aborting what they left open), then read their state.
        for (const poller of pollers) await sink.openShard(poller.name);
        await restoreState(config, sink, store, stateCodec, logger);
      });
      metrics.usersTracked.set(store.size);
      health.recordStateRestored();
      logger.info({ delivery, usersRestored: store.size }, 'state restored');
      metrics.shardsOwned.set(pollers.length);
      for (const poller of pollers) poller.start();
      logger.info(
        { shards: pollers.map((poller) => poller.name), intervalSeconds: config.polling.intervalSeconds },
        'polling started',
      );
    },
    stop() {
      // Idempotent: a signal handler and a failure path may both ask to stop.
      stopping ??= stopWorker();
      return stopping;
    },
  };
}

/**
 * Loads the last acknowledged state of every user of this worker's shards. A record for a user that the config
 * no longer puts in that shard is ignored: such a user starts again with a snapshot in its new shard.
 */
async function restoreState(
  config: ConnectorConfig,
  sink: EventSink,
  store: PresenceStateStore,
  codec: StateCodec,
  logger: Logger,
): Promise<void> {
  const started = performance.now();
  const members = new Map(config.shards.map((shard) => [shard.name, new Set(shard.userIds)]));
  let records = 0;
  await sink.readState(config.shards.map((shard) => shard.name), (record) => {
    records++;
    const key = codec.parseKey(record.key);
    if (key === undefined || members.get(key.shard)?.has(key.userId) !== true) return;
    if (record.value === null) store.delete(key.userId);
    else store.commit(key.userId, codec.decode(record.value));
  });
  logger.info({ records, users: store.size, ms: Math.round(performance.now() - started) }, 'read the state topic');
}

function createGraphClient(config: ConnectorConfig, dispatcher: Dispatcher, metrics: ConnectorMetrics) {
  return new GraphPresenceClient({
    graphUrl: config.graph.graphUrl,
    apiVersion: config.graph.apiVersion,
    dispatcher,
    tokens: createTokenProvider({
      tenantId: config.tenant.id,
      clientId: config.tenant.clientId,
      authorityUrl: config.graph.authorityUrl,
      scope: config.graph.scope,
      credential: credentialOf(config),
      dispatcher,
      trustAuthorityHost: config.graph.cloud === 'custom',
    }),
    budget: new RequestBudget({
      maxRequests: config.graph.requestBudget.maxRequests,
      windowMs: config.graph.requestBudget.windowSeconds * 1000,
      safetyMarginMs: 500,
    }),
    limit: pLimit(config.graph.concurrency),
    requestTimeoutMs: config.graph.requestTimeoutMs,
    backoff: config.graph.backoff,
    observer: {
      onResponse: ({ status, durationMs }) => {
        metrics.graphRequests.inc({ status: String(status) });
        metrics.graphRequestDuration.observe(durationMs / 1000);
      },
      onRetryAfter: ({ status, delayMs }) => {
        metrics.graphThrottled.inc({ status: String(status) });
        metrics.graphRetryAfterWait.inc(delayMs / 1000);
      },
      onRetry: ({ reason }) => metrics.graphRetries.inc({ reason }),
    },
  });
}

function credentialOf(config: ConnectorConfig): ClientCredential {
  const { clientSecret, certificate } = config.tenant;
  if (certificate !== undefined) {
    return {
      kind: 'certificate',
      privateKeyPem: certificate.privateKey.reveal(),
      thumbprintSha256: certificate.thumbprintSha256,
      ...(certificate.certificatePem === undefined ? {} : { certificatePem: certificate.certificatePem }),
    };
  }
  if (clientSecret === undefined) {
    throw new ConnectorError(ErrorCodes.CONFIG_INVALID, 'no client secret or certificate configured');
  }
  return { kind: 'secret', clientSecret: clientSecret.reveal() };
}

function createKafkaSink(config: ConnectorConfig, logger: Logger, metrics: ConnectorMetrics, health: WorkerHealth) {
  return new KafkaSink({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    connectorName: config.connectorName,
    topic: config.kafka.topic,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    stateTopic: config.kafka.stateTopic,
    statePartitions: config.kafka.statePartitions,
    delivery: config.kafka.delivery,
    transactionTimeoutMs: config.kafka.transactionTimeoutMs,
    compression: config.kafka.compression,
    maxBufferedRecords: config.kafka.maxBufferedEvents,
    connectionTimeoutMs: config.kafka.connectionTimeoutMs,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    retry: { initialMs: 500, maxMs: 30_000 },
    logger: logger.child({ component: 'kafka' }),
    observer: {
      onPublished: ({ durationMs }) => {
        metrics.kafkaPublishDuration.observe(durationMs / 1000);
        health.recordSinkSuccess();
      },
      onSendError: ({ error }) => {
        metrics.kafkaSendErrors.inc();
        health.recordSinkFailure(toError(error).message);
      },
      onTransaction: ({ outcome }) => metrics.kafkaTransactions.inc({ outcome }),
      onFenced: () => metrics.kafkaFenced.inc(),
    },
  });
}

/**
 * Start-up steps against a broker that is still settling (a topic just created has no leader for a moment, a
 * coordinator is loading) fail with retriable errors: retry them with backoff until they succeed or we stop.
 * Errors that a retry cannot cure (a refused transaction feature, a wrong partition count) end the start.
 */
async function retryUntilDone(what: string, logger: Logger, signal: AbortSignal, step: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await step();
      return;
    } catch (error) {
      if (error instanceof ConnectorError && !error.retriable) throw error;
      const retryInMs = Math.min(30_000, 250 * 2 ** attempt);
      logger.warn({ err: error, attempt: attempt + 1, retryInMs }, `could not ${what} yet; retrying`);
      await sleep(retryInMs, undefined, { signal });
    }
  }
}

async function withDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
