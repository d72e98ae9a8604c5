import type { Dispatcher } from 'undici';
import type { ConnectorConfig } from '../config/index.js';
import { createPresenceEventCodec } from '../events/index.js';
import { createHttpDispatcher } from '../http/index.js';
import type { KafkaCluster } from '../kafka/index.js';
import {
  processingObserver,
  publisherObserver,
  recordOwnedShards,
  shardPollerObserver,
  type StageTelemetry,
} from '../observability/index.js';
import { createShardTakeover, ShardSupervisor } from '../shard-ownership/index.js';
import type { EventPublisher } from '../sink/index.js';
import { createStateCodec, PresenceStateStore } from '../state/index.js';
import { createBatchEncoder } from './batch-encoder.js';
import { budgetShare, createBudget, createGraphClient } from './graph-wiring.js';
import { createCluster, createKafkaSink, createStateReader } from './kafka-wiring.js';
import { PresencePipeline } from './presence-pipeline.js';

/** Everything one worker process is made of, built from the config; `createWorker` runs it. */
export interface WorkerParts {
  dispatcher: Dispatcher;
  kafka: KafkaCluster;
  publisher: EventPublisher;
  pipeline: PresencePipeline;
  supervisor: ShardSupervisor;
}

/** Builds the stages in the order data flows through them: graph client, dedup state, encoder, sink, ownership. */
export function assembleWorker(
  config: ConnectorConfig,
  telemetry: StageTelemetry,
  options: { publisher?: EventPublisher; random: () => number; signal: AbortSignal },
): WorkerParts {
  const dispatcher = createHttpDispatcher({
    connectionsPerOrigin: config.graph.concurrency + 2,
    ...(config.graph.caPem === undefined ? {} : { extraCaPem: config.graph.caPem }),
    ...(config.graph.proxyUrl === undefined ? {} : { proxyUrl: config.graph.proxyUrl }),
  });
  const budget = createBudget(config);
  const graph = createGraphClient(config, dispatcher, budget, telemetry);
  // Keyed by the config's own id strings, so a million ids are held once.
  const store = new PresenceStateStore(config.shards.flatMap((shard) => shard.userIds));
  const stateCodec = createStateCodec();
  const encodeBatch = createBatchEncoder({
    tenantId: config.tenant.id,
    connectorName: config.connectorName,
    codec: createPresenceEventCodec(),
    stateCodec,
  });
  const kafka = createCluster(config, telemetry.logger);
  const publisher = options.publisher ?? createKafkaSink(config, kafka, telemetry.logger, publisherObserver(telemetry));
  const pipeline = new PresencePipeline({
    schedule: {
      intervalMs: config.polling.intervalSeconds * 1000,
      startJitterMs: config.polling.startJitterSeconds * 1000,
      batchSize: config.graph.batchSize,
    },
    graph,
    store,
    encodeBatch,
    publisher,
    logger: telemetry.logger,
    observers: { poller: shardPollerObserver(telemetry), processing: processingObserver(telemetry) },
    random: options.random,
  });
  const supervisor = new ShardSupervisor({
    shards: config.shards,
    takeover: createShardTakeover(publisher, createStateReader(config, kafka)),
    store,
    stateCodec,
    signal: options.signal,
    logger: telemetry.logger,
    createPoller: (shard, quarantined) => pipeline.pollerFor(shard, quarantined),
    onOwned: (owned) => {
      budget.resize(budgetShare(config, owned));
      recordOwnedShards(telemetry, owned, {
        usersTracked: store.size,
        requestBudget: budget.maxRequests,
        windowSeconds: config.graph.requestBudget.windowSeconds,
      });
    },
  });
  return { dispatcher, kafka, publisher, pipeline, supervisor };
}
