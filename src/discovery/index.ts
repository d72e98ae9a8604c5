/**
 * Discovery: the users of a group or of the whole tenant, found in Entra ID (src/directory reads Graph) and kept
 * current with delta queries, spread over the discovered shards by a stable hash, and shared among the workers
 * through the compacted directory topic.
 */
export { WatchRule, MAX_GROUP_SOURCES } from './directory-entry.js';
export { DirectoryRecordCodec, USERS_DELTA_LINK_KEY, type DirectoryRecord } from './directory-records.js';
export { runDiscoveryRound, type DirectoryReader, type RoundReport } from './discovery-round.js';
export {
  DiscoveryService,
  type DirectoryLog,
  type DiscoveryObserver,
  type DiscoveryServiceParts,
} from './discovery-service.js';
export { DiscoveredShards } from './discovered-shards.js';
export { WatchedDirectory, type MembershipChange, type WatchedDirectoryOptions } from './watched-directory.js';
