export {
  ShardPoller,
  type Shard,
  type ShardPollerOptions,
  type ShardPollerObserver,
  type CycleReport,
  type FetchBatch,
  type DeliverBatch,
} from './shard-poller.js';
