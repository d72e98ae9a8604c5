import type { Dispatcher } from 'undici';
import type { ConnectorConfig, ShardConfig } from '../config/index.js';
import { CONFLUENT_AVRO_CONTENT_TYPE, createPresenceEventCodec, createWatermarkCodec } from '../events/index.js';
import { createHttpDispatcher } from '../http/index.js';
import type { KafkaCluster } from '../kafka/index.js';
import {
  discoveryObserver,
  processingObserver,
  ProgressReporter,
  publisherObserver,
  recordOwnedShards,
  graphClientObserver,
  shardPollerObserver,
  signInObserver,
  type StageTelemetry,
} from '../observability/index.js';
import { createShardTakeover, ShardSupervisor } from '../shard-ownership/index.js';
import { statePartitionOf, type EventPublisher } from '../sink/index.js';
import { createStateCodec, PresenceStateStore } from '../state/index.js';
import { createBatchEncoder, type BatchEncoderOptions } from './batch-encoder.js';
import { createDepartureEncoder, tableMarkerRecord } from './departure-encoder.js';
import { createOutputValues, type OutputValues } from './output-values.js';
import { createWatermarkEncoder } from './watermark-encoder.js';
import { budgetShare, createBudget, createGraphClient, createTokens } from './graph-wiring.js';
import { createDiscovery, type DiscoveryParts } from './discovery-wiring.js';
import { createCluster, createKafkaSink, createStateReader } from './kafka-wiring.js';
import { PresencePipeline } from './presence-pipeline.js';

/** Everything one worker process is made of, built from the config; `createWorker` runs it. */
export interface WorkerParts {
  dispatcher: Dispatcher;
  kafka: KafkaCluster;
  publisher: EventPublisher;
  /** Plain Avro, or Confluent-framed once the registry gave each topic's schema its id (prepared at start). */
  values: OutputValues;
  pipeline: PresencePipeline;
  supervisor: ShardSupervisor;
  /** Every shard: the config's and the discovered ones. */
  shards: readonly ShardConfig[];
  /** Absent without a discovery section. */
  discovery?: DiscoveryParts;
}

/** Builds the stages in the order data flows through them: graph client, dedup state, encoder, sink, ownership. */
export function assembleWorker(
  config: ConnectorConfig,
  stageTelemetry: StageTelemetry,
  options: { random: () => number; signal: AbortSignal },
): WorkerParts {
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: config.graph.concurrency + 2,
    ...(config.graph.caPem === undefined ? {} : { extraCaPem: config.graph.caPem }),
    ...(config.graph.proxyUrl === undefined ? {} : { proxyUrl: config.graph.proxyUrl }),
  });
  const budget = createBudget(config, graphClientObserver(stageTelemetry).onRateChange, options.random);
  const progress = new ProgressReporter({
    logger: stageTelemetry.logger,
    readiness: () => stageTelemetry.health.status(),
    pollingIntervalMs: config.polling.intervalSeconds * 1000,
    summaryIntervalMs: config.observability.summaryIntervalSeconds * 1000,
    usersOf: (name) => shardsByName.get(name)?.userIds.length ?? 0,
    budgetShare: () => ({
      maxRequests: budget.maxRequests,
      windowMs: config.graph.requestBudget.windowSeconds * 1000,
    }),
  });
  // Runs until the worker stops (its lifecycle signal aborts), from before Kafka is connected: a worker that never
  // turns ready still says why at every summary.
  progress.start(options.signal);
  const telemetry: StageTelemetry = { ...stageTelemetry, progress };
  const tokens = createTokens(config, dispatcher, signInObserver(telemetry));
  const graph = createGraphClient(config, dispatcher, tokens, budget, telemetry);
  // Keyed by the config's own id strings, so a million ids are held once.
  const store = new PresenceStateStore(config.shards.flatMap((shard) => shard.userIds));
  const stateCodec = createStateCodec();
  const codec = createPresenceEventCodec();
  const watermarkCodec = createWatermarkCodec();
  const values = createOutputValues(config, { event: codec, watermark: watermarkCodec }, telemetry);
  const { table, watermarks } = values;
  const encoderOptions: BatchEncoderOptions = {
    tenantId: config.tenant.id,
    connectorName: config.connectorName,
    headers: config.kafka.headers,
    codec,
    stateCodec,
    frameValue: (avro) => values.events.value(avro),
    ...(table === undefined ? {} : { frameTableValue: (avro: Buffer) => table.value(avro) }),
    ...(values.format === 'confluent' ? { contentType: CONFLUENT_AVRO_CONTENT_TYPE } : {}),
  };
  const encodeWatermark =
    watermarks === undefined
      ? undefined
      : createWatermarkEncoder({
          tenantId: config.tenant.id,
          connectorName: config.connectorName,
          codec: watermarkCodec,
          frameValue: (avro) => watermarks.value(avro),
        });
  const kafka = createCluster(config, telemetry.logger);
  // The sink is both halves: it publishes, and it claims and releases the shards' transactional producers.
  const sink = createKafkaSink(config, kafka, telemetry.logger, publisherObserver(telemetry));
  const publisher: EventPublisher = sink;
  let owned: readonly string[] = [];
  const resizeBudget = (): void => budget.resize(budgetShare(config, shards, owned));
  const discovery =
    config.discovery === undefined
      ? undefined
      : createDiscovery({
          config,
          discovery: config.discovery,
          dispatcher,
          tokens,
          kafka,
          publisher,
          logger: telemetry.logger,
          observer: discoveryObserver(telemetry, resizeBudget),
        });
  const shards: readonly ShardConfig[] = [...config.shards, ...(discovery?.shards.shards ?? [])];
  const shardsByName = new Map(shards.map((shard) => [shard.name, shard]));
  const pipeline = new PresencePipeline({
    schedule: {
      intervalMs: config.polling.intervalSeconds * 1000,
      startJitterMs: config.polling.startJitterSeconds * 1000,
      batchSize: config.graph.batchSize,
      resnapshotIntervalMs: config.polling.resnapshotIntervalHours * 3_600_000,
    },
    graph,
    store,
    encodeBatch: createBatchEncoder(encoderOptions),
    encodeDepartures: createDepartureEncoder(encoderOptions),
    encodeTableMarker: (shard, complete) =>
      tableMarkerRecord(stateCodec, shard, complete ? config.kafka.table?.topic : undefined),
    tableEnabled: table !== undefined,
    ...(encodeWatermark === undefined ? {} : { encodeWatermark }),
    publisher,
    logger: telemetry.logger,
    observers: { poller: shardPollerObserver(telemetry), processing: processingObserver(telemetry) },
    ...(discovery === undefined ? {} : { leavers: discovery.shards }),
    random: options.random,
  });
  const supervisor = new ShardSupervisor({
    shards,
    takeover: createShardTakeover(sink, createStateReader(config, kafka)),
    store,
    stateCodec,
    signal: options.signal,
    logger: telemetry.logger,
    statePartitionOf: (shard) => statePartitionOf(shard, config.kafka.statePartitions),
    ...(config.kafka.table === undefined ? {} : { tableTopic: config.kafka.table.topic }),
    createPoller: (shard, quarantined) => pipeline.pollerFor(shard, quarantined),
    onRestored: (restored) => pipeline.restored(restored),
    ...(discovery === undefined
      ? {}
      : {
          isWatched: discovery.isWatched,
          onTracking: (shard: string, tracked: boolean) =>
            tracked ? discovery.shards.track(shard) : discovery.shards.untrack(shard),
        }),
    onOwned: (ownedNow) => {
      owned = ownedNow;
      resizeBudget();
      discovery?.service.setLeading(owned.includes(discovery.leaderShard));
      recordOwnedShards(telemetry, owned, {
        usersTracked: store.size,
        requestBudget: budget.maxRequests,
        windowSeconds: config.graph.requestBudget.windowSeconds,
        requestRate: budget.rateLimit,
      });
    },
  });
  return {
    dispatcher,
    kafka,
    publisher,
    values,
    pipeline,
    supervisor,
    shards,
    ...(discovery === undefined ? {} : { discovery }),
  };
}
