export { decide, stateOf, presenceFieldsHash, type DedupVerdict, type UserPresenceState } from './dedup.js';
export { PresenceStateStore } from './presence-state-store.js';
export { createStateCodec, type StateCodec } from './state-codec.js';
export {
  dedupBatch,
  resnapshotDue,
  type AcceptedPresence,
  type AcknowledgedStates,
  type BatchDedup,
} from './batch-dedup.js';
export type { Departure } from './departure.js';
