import type { ConnectorConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes } from '../errors.js';
import {
  ConnectorMetrics,
  startHealthServer,
  WorkerHealth,
  type HealthServer,
  type HealthStatus,
  type Logger,
} from '../observability/index.js';
import { retry } from '../retry/index.js';
import { joinShardGroup, type ShardMembership } from '../shard-ownership/index.js';
import { KafkaFailureLog } from '../sink/index.js';
import { createCoordinator } from './kafka-wiring.js';
import { assembleWorker } from './worker-parts.js';

export interface WorkerDependencies {
  logger: Logger;
  metrics?: ConnectorMetrics;
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

/**
 * One worker process: config -> poller -> graph client -> dedup -> encoder -> sink, for the shards it owns.
 * Start: health endpoints, Kafka, then shards (all of `assignment.shards` when static, else through the worker
 * group). Stop: leave the group, let the pollers finish, flush Kafka, close.
 */
export function createWorker(config: ConnectorConfig, dependencies: WorkerDependencies): Worker {
  const { logger } = dependencies;
  const metrics = dependencies.metrics ?? new ConnectorMetrics();
  const health = new WorkerHealth();
  const lifecycle = new AbortController();
  const parts = assembleWorker(
    config,
    { metrics, health, logger },
    { random: dependencies.random ?? Math.random, signal: lifecycle.signal },
  );
  let healthServer: HealthServer | undefined;
  let membership: ShardMembership | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<void> {
    if (config.observability.httpPort !== 0) {
      healthServer = await startHealthServer({
        host: config.observability.httpHost,
        port: config.observability.httpPort,
        registry: metrics.registry,
        status: () => health.status(),
      });
      const { host, port } = healthServer;
      logger.info(
        { host, port },
        `metrics and health endpoints listening on ${host.includes(':') ? `[${host}]` : host}:${port}`,
      );
    }
    // The registry and Kafka are waited for side by side; nothing is polled (so nothing written) before both.
    // Kafka is reported connected as soon as it is, so readiness names only what is still missing.
    await Promise.all([
      parts.publisher.connect(lifecycle.signal).then((delivery) => {
        health.recordSinkConnected();
        // The connect itself was the round trip that failed while Kafka was away: those failures are over.
        health.recordSinkSuccess();
        logger.info({ delivery, assignment: config.assignment.mode }, 'connected to Kafka');
      }),
      parts.values.prepare(lifecycle.signal),
    ]);
    await loadDiscovery();
    if (config.assignment.mode === 'static') {
      await parts.supervisor.assign(config.assignment.shards ?? parts.shards.map((shard) => shard.name));
      return;
    }
    membership = await joinShardGroup({
      coordinator: createCoordinator(config, parts.kafka, logger),
      supervisor: parts.supervisor,
      shards: parts.shards,
      logger,
      signal: lifecycle.signal,
    });
  }

  /**
   * The watched set as the directory topic has it, before any shard is taken over: a takeover's restore must know
   * who belongs to a discovered shard. Then the topic is followed (and, on the first discovered shard's owner,
   * written) in the background.
   */
  async function loadDiscovery(): Promise<void> {
    const discovery = parts.discovery;
    if (discovery === undefined) return;
    const failures = new KafkaFailureLog(logger);
    const records = await retry(() => discovery.service.load(), {
      policy: config.kafka.retry,
      signal: lifecycle.signal,
      onRetry: ({ error, attempt, delayMs }) =>
        failures.failed('reading the directory topic failed; retrying', error, { attempt, retryInMs: delayMs }),
    });
    logger.info(
      { records, watched: discovery.directory.watchedCount, shards: discovery.config.shardNames.length },
      'loaded the watched set of the discovered shards',
    );
    discovery.service.start();
  }

  async function stop(): Promise<void> {
    const deadline = Date.now() + config.shutdown.timeoutSeconds * 1000;
    health.recordStopping();
    lifecycle.abort();
    await parts.discovery?.service.stop();
    // Leave the group first, so the other workers can take these shards over without waiting for a timeout.
    await membership?.stop();
    const stopped = await withDeadline(parts.supervisor.stop(), deadline);
    await parts.publisher.close(Math.max(0, deadline - Date.now()));
    await parts.values.close();
    await healthServer?.close();
    await parts.dispatcher.close();
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
    start,
    stop() {
      // Idempotent: a signal handler and a failure path may both ask to stop.
      stopping ??= stop();
      return stopping;
    },
  };
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
