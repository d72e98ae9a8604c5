export {
  GraphPresenceClient,
  MAX_IDS_PER_REQUEST,
  type PresenceClientOptions,
  type PresenceBatchResult,
  type GraphObserver,
} from './presence-client.js';
export { RequestBudget, type RequestBudgetOptions, type RequestOutcome, type SettleRequest } from './request-budget.js';
export { AdaptiveRate, type AdaptiveRateOptions, type RateChange, type RateChangeReason } from './adaptive-rate.js';
export {
  parsePresenceResponse,
  type Presence,
  type StatusMessage,
  type OutOfOffice,
  type WorkLocation,
} from './presence.js';
export { graphErrorCode, graphTransportFailure } from './graph-errors.js';
export {
  GraphCaller,
  type GraphCallerOptions,
  type GraphRequest,
  type GraphAnswer,
  type GraphCallHooks,
} from './graph-call.js';
