export {
  ShardPoller,
  type Shard,
  type ShardPollerOptions,
  type ShardPollerObserver,
  type CycleReport,
  type FetchBatch,
  type DeliverBatch,
  type CompletedCycle,
  type ConfirmCycle,
} from './shard-poller.js';
export { causeOf, groupFailures, type CycleFailure, type CycleStep } from './cycle-failures.js';
