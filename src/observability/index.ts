export { createLogger, REDACTED_PATHS, type Logger, type LoggerOptions } from './logger.js';
export { ConnectorMetrics } from './metrics.js';
export { startHealthServer, type HealthServer, type HealthStatus } from './health-server.js';
export { WorkerHealth } from './worker-health.js';
export {
  graphClientObserver,
  processingObserver,
  publisherObserver,
  recordOwnedShards,
  shardPollerObserver,
  type ProcessingObserver,
  type StageTelemetry,
} from './pipeline-observers.js';
export { discoveryObserver } from './discovery-observer.js';
export {
  FailureLog,
  cycleFailureReporter,
  cycleFailureSummary,
  describeFailure,
  signInObserver,
  type FailureLogOptions,
} from './failure-log.js';
export { ProgressReporter, type ProgressReporterOptions } from './progress-summary.js';
export { formatCount, formatCounted, formatDuration, formatPercent } from './log-format.js';
