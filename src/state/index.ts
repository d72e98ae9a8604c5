export { decide, stateOf, presenceFieldsHash, type DedupVerdict, type UserPresenceState } from './dedup.js';
export { PresenceStateStore } from './presence-state-store.js';
export { createStateCodec, TABLE_MARKER_ID, TABLE_MARKER_VALUE, type StateCodec } from './state-codec.js';
export {
  dedupBatch,
  resnapshotDue,
  type ResnapshotPolicy,
  type AcceptedPresence,
  type AcknowledgedStates,
  type BatchDedup,
} from './batch-dedup.js';
export type { Departure, ShardRestored } from './departure.js';
