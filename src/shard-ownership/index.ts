export { ShardCoordinator, type ShardCoordinatorOptions } from './coordinator.js';
export { retryWhileSettling } from './settling.js';
export { joinShardGroup, type GroupJoinOptions } from './group-join.js';
export { compareLayouts, layoutOf, type LayoutChange, type ShardLayout } from './shard-layout.js';
export { ShardMembership, type ShardMembershipOptions } from './shard-membership.js';
export { ShardSupervisor, type ShardSupervisorOptions } from './shard-supervisor.js';
export {
  createShardTakeover,
  StateTopicReader,
  type ShardTakeover,
  type StateTopicReaderOptions,
  type StoredStateRecord,
} from './takeover.js';
