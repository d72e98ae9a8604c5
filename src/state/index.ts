export {
  decide,
  isSequenceReset,
  stateOf,
  presenceFieldsHash,
  SEQUENCE_RESET_AGE_MS,
  SEQUENCE_RESET_POLLS,
  type DedupVerdict,
  type StoredPresenceState,
  type UserPresenceState,
} from './dedup.js';
export { PresenceStateStore } from './presence-state-store.js';
export { createStateCodec, RESERVED_ID_PREFIX, TABLE_MARKER_ID, type StateCodec } from './state-codec.js';
export {
  dedupBatch,
  resnapshotDue,
  type ResnapshotPolicy,
  type AcceptedPresence,
  type AcknowledgedStates,
  type BatchDedup,
  type SequenceReset,
} from './batch-dedup.js';
export type { Departure, ShardRestored } from './departure.js';
