import type { Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import type { ConnectorConfig, DiscoveryConfig } from '../config/index.js';
import { connectorDirectoryClient } from '../directory/index.js';
import {
  DirectoryRecordCodec,
  DiscoveredShards,
  DiscoveryService,
  WatchedDirectory,
  WatchRule,
  type DirectoryLog,
  type DiscoveryObserver,
} from '../discovery/index.js';
import type { KafkaCluster } from '../kafka/index.js';
import type { Logger } from '../observability/index.js';
import type { EventPublisher } from '../sink/index.js';

/** Directory records per transaction: a full round of a million users is a thousand small transactions. */
const DIRECTORY_CHUNK = 1_000;
/** A whole read of the directory topic; a million records take seconds, so this only catches a stuck read. */
const DIRECTORY_READ_TIMEOUT_MS = 10 * 60_000;

/** Discovery as a worker runs it: the watched directory, its discovered shards and the service that follows it. */
export interface DiscoveryParts {
  config: DiscoveryConfig;
  directory: WatchedDirectory;
  shards: DiscoveredShards;
  service: DiscoveryService;
  /** The first discovered shard: its owner discovers. */
  leaderShard: string;
  /** Whether some shard polls the user now: an explicit shard of the config, or a discovered one. */
  isWatched(userId: string): boolean;
}

export interface DiscoveryWiring {
  config: ConnectorConfig;
  discovery: DiscoveryConfig;
  dispatcher: Dispatcher;
  tokens: TokenProvider;
  kafka: KafkaCluster;
  publisher: EventPublisher;
  logger: Logger;
  observer: DiscoveryObserver;
}

export function createDiscovery(wiring: DiscoveryWiring): DiscoveryParts {
  const { config, discovery, logger } = wiring;
  const explicit = new Set(config.shards.flatMap((shard) => shard.userIds));
  const rule = new WatchRule(discovery.sources);
  const directory = new WatchedDirectory({
    rule,
    shardNames: discovery.shardNames,
    isExplicit: (userId) => explicit.has(userId),
  });
  const leaderShard = discovery.shardNames[0] ?? '';
  const reader = connectorDirectoryClient(config, discovery, { dispatcher: wiring.dispatcher, tokens: wiring.tokens });
  const service = new DiscoveryService({
    directory,
    rule,
    codec: new DirectoryRecordCodec(rule),
    reader,
    log: directoryLog(wiring.kafka, discovery.topic, config.kafka.clientId),
    write: (records) => wiring.publisher.publish({ shard: leaderShard, events: [], state: [], directory: records }),
    intervalMs: discovery.intervalSeconds * 1000,
    followIntervalMs: discovery.followIntervalSeconds * 1000,
    chunkSize: DIRECTORY_CHUNK,
    backoff: { initialMs: 5_000, maxMs: discovery.intervalSeconds * 1000 },
    logger: logger.child({ component: 'discovery' }),
    observer: wiring.observer,
  });
  return {
    config: discovery,
    directory,
    shards: new DiscoveredShards(directory),
    service,
    leaderShard,
    isWatched: (userId) => explicit.has(userId) || directory.isWatched(userId),
  };
}

/** The directory topic's one partition, read from an offset to its current end (read_committed). */
function directoryLog(kafka: KafkaCluster, topic: string, clientId: string): DirectoryLog {
  return {
    async read(fromOffset, onRecord) {
      let next = fromOffset;
      await kafka.readPartitions({
        topic,
        ranges: [{ partition: 0, ...(fromOffset === undefined ? {} : { fromOffset }) }],
        groupPrefix: `${clientId}.directory`,
        timeoutMs: DIRECTORY_READ_TIMEOUT_MS,
        onRecords: (_partition, records) => {
          for (const record of records) {
            onRecord({ key: record.key, value: record.value }, record.offset);
            next = (BigInt(record.offset) + 1n).toString();
          }
          return false;
        },
      });
      return next ?? '0';
    },
  };
}
