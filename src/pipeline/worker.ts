import type { ConnectorConfig, ShardConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { createPresenceEventCodec } from '../events/index.js';
import type { GraphPresenceClient } from '../graph/index.js';
import { createHttpDispatcher } from '../http/index.js';
import {
  ConnectorMetrics,
  startHealthServer,
  type HealthServer,
  type HealthStatus,
  type Logger,
} from '../observability/index.js';
import { ShardPoller, type DeliverBatch } from '../poller/index.js';
import {
  compareLayouts,
  createShardTakeover,
  layoutOf,
  retryWhileSettling,
  ShardSupervisor,
  type ShardMembership,
} from '../shard-ownership/index.js';
import type { EventPublisher } from '../sink/index.js';
import { createStateCodec, PresenceStateStore } from '../state/index.js';
import { budgetShare, createBudget, createGraphClient } from './graph-wiring.js';
import { createCluster, createCoordinator, createKafkaSink, createStateReader } from './kafka-wiring.js';
import { createPresenceProcessor } from './presence-processor.js';
import { WorkerHealth } from './worker-health.js';

export interface WorkerDependencies {
  logger: Logger;
  metrics?: ConnectorMetrics;
  /** Replaces the Kafka sink; the seam for another Kafka client. */
  sink?: EventPublisher;
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
  const health = new WorkerHealth();
  const lifecycle = new AbortController();
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: config.graph.concurrency + 2,
    ...(config.graph.caPem === undefined ? {} : { extraCaPem: config.graph.caPem }),
    ...(config.graph.proxyUrl === undefined ? {} : { proxyUrl: config.graph.proxyUrl }),
  });
  const kafka = createCluster(config, logger);
  const sink = dependencies.sink ?? createKafkaSink(config, kafka, logger, metrics, health);
  // Keyed by the config's own id strings, so a million ids are held once.
  const store = new PresenceStateStore(config.shards.flatMap((shard) => shard.userIds));
  const stateCodec = createStateCodec();
  const budget = createBudget(config);
  const graph = createGraphClient(config, dispatcher, budget, metrics);
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
  const supervisor = new ShardSupervisor({
    shards: config.shards,
    takeover: createShardTakeover(sink, createStateReader(config, kafka)),
    store,
    stateCodec,
    signal: lifecycle.signal,
    logger,
    createPoller: (shard, quarantined) =>
      createShardPoller({ config, shard, quarantined, graph, deliverBatch, logger, metrics, health, random }),
    onOwned: (owned) => {
      budget.resize(budgetShare(config, owned));
      health.recordOwnedShards(owned);
      metrics.shardsOwned.set(owned.length);
      metrics.usersTracked.set(store.size);
      logger.info(
        { owned, requestBudget: budget.maxRequests, windowSeconds: config.graph.requestBudget.windowSeconds },
        'polling these shards',
      );
    },
  });
  let healthServer: HealthServer | undefined;
  let membership: ShardMembership | undefined;
  let stopping: Promise<void> | undefined;

  async function startWorker(): Promise<void> {
    if (config.observability.httpPort !== 0) {
      healthServer = await startHealthServer({
        port: config.observability.httpPort,
        registry: metrics.registry,
        status: () => health.status(),
      });
      logger.info({ port: healthServer.port }, 'metrics and health endpoints listening');
    }
    const delivery = await sink.connect(lifecycle.signal);
    health.recordSinkConnected();
    logger.info({ delivery, assignment: config.assignment.mode }, 'connected to Kafka');
    if (config.assignment.mode === 'static') {
      await supervisor.assign(config.assignment.shards ?? config.shards.map((shard) => shard.name));
      return;
    }
    membership = await joinShardGroup();
  }

  async function joinShardGroup(): Promise<ShardMembership> {
    const coordinator = createCoordinator(config, kafka, logger);
    const previousLayout = await retryWhileSettling(
      'prepare the coordination topic',
      logger,
      lifecycle.signal,
      async () => {
        await coordinator.ensureTopic(config.shards.length);
        return coordinator.exchangeLayout(layoutOf(config.shards));
      },
    );
    logLayoutChange(previousLayout);
    // Partition i of the coordination topic is the i-th shard by name: every worker derives the same mapping.
    const shardNames = config.shards.map((shard) => shard.name).sort();
    const group = coordinator.membership({
      shards: shardNames,
      logger,
      onRevoke: () => supervisor.pauseAll(),
      onAssign: (shards) => {
        supervisor
          .assign(shards)
          .catch((error: unknown) => logger.error({ err: error }, 'taking the assigned shards failed'));
      },
    });
    await group.start();
    return group;
  }

  function logLayoutChange(previous: ReturnType<typeof layoutOf> | undefined): void {
    if (previous === undefined) return;
    const change = compareLayouts(previous, layoutOf(config.shards));
    if (change.added.length + change.removed.length + change.changed.length === 0) return;
    logger.warn(
      { ...change },
      'the shard list changed since the last start: added shards start with snapshots, removed shards are no longer polled, ' +
        'users that moved to another shard are published again as snapshots there',
    );
  }

  async function stopWorker(): Promise<void> {
    const deadline = Date.now() + config.shutdown.timeoutSeconds * 1000;
    health.recordStopping();
    lifecycle.abort();
    // Leave the group first, so the other workers can take these shards over without waiting for a timeout.
    await membership?.stop();
    const stopped = await withDeadline(supervisor.stop(), deadline);
    await sink.close(Math.max(0, deadline - Date.now()));
    await healthServer?.close();
    await dispatcher.close();
    if (!stopped) {
      throw new ConnectorError(
        ErrorCodes.SHUTDOWN_TIMEOUT,
        'requests in flight did not finish before the shutdown timeout',
      );
    }
  }

  return {
    metrics,
    get httpPort() {
      return healthServer?.port;
    },
    health: () => health.status(),
    start: startWorker,
    stop() {
      // Idempotent: a signal handler and a failure path may both ask to stop.
      stopping ??= stopWorker();
      return stopping;
    },
  };
}

interface PollerContext {
  config: ConnectorConfig;
  shard: ShardConfig;
  quarantined: Set<string>;
  graph: GraphPresenceClient;
  deliverBatch: DeliverBatch;
  logger: Logger;
  metrics: ConnectorMetrics;
  health: WorkerHealth;
  random: () => number;
}

function createShardPoller(context: PollerContext): ShardPoller {
  const { config, shard, metrics, health, logger } = context;
  return new ShardPoller({
    shard,
    quarantined: context.quarantined,
    intervalMs: config.polling.intervalSeconds * 1000,
    startDelayMs: Math.round(context.random() * config.polling.startJitterSeconds * 1000),
    batchSize: config.graph.batchSize,
    fetchBatch: (ids, signal) => context.graph.fetchPresences(ids, signal),
    deliverBatch: context.deliverBatch,
    logger: logger.child({ shard: shard.name }),
    observer: {
      onCycle: (report) => {
        metrics.cycleDuration.observe({ shard: report.shard }, report.durationMs / 1000);
        metrics.shardLag.set({ shard: report.shard }, report.lagMs / 1000);
        health.recordCycle(report.shard, report.failedBatches === 0);
        logger.debug({ ...report }, 'poll cycle finished');
      },
      onBatchFailed: ({ shard: name, error }) =>
        metrics.batchFailures.inc({ shard: name, code: error instanceof ConnectorError ? error.code : 'UNKNOWN' }),
      onQuarantined: ({ shard: name, total }) => metrics.quarantinedIds.set({ shard: name }, total),
      onStopped: ({ shard: name, reason }) => health.recordStopped(name, reason),
    },
  });
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
