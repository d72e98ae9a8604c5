/**
 * The glue between the pipeline's stages and the operator's view of them: each stage reports through an observer
 * interface of its own (so it depends on neither metrics nor health), and these functions turn those reports into
 * Prometheus metrics, readiness and log lines. One place to look for "where does this metric come from".
 */
import { isConnectorError } from '../errors.js';
import type { GraphObserver, RateChange } from '../graph/index.js';
import type { ShardPollerObserver } from '../poller/index.js';
import type { SinkObserver } from '../sink/index.js';
import type { DedupVerdict, SequenceReset } from '../state/index.js';
import { cycleFailureReporter, cycleFailureSummary } from './failure-log.js';
import type { Logger } from './logger.js';
import type { ConnectorMetrics } from './metrics.js';
import type { ProgressReporter } from './progress-summary.js';
import type { WorkerHealth } from './worker-health.js';

/** What the dedup -> encoder -> sink steps of a batch report. */
export interface ProcessingObserver {
  onVerdicts?(info: { shard: string; counts: Record<DedupVerdict, number> }): void;
  onMissingIds?(info: { shard: string; ids: readonly string[] }): void;
  onPublished?(info: { shard: string; snapshots: number; changes: number; usersTracked: number }): void;
  /** Users whose sequence numbers went back for good, published (acknowledged) as changes: once per reset. */
  onSequenceResets?(info: { shard: string; resets: readonly SequenceReset[] }): void;
  /** Users who left a shard were published: REMOVED events (removed) and state tombstones (both). */
  onDeparted?(info: { shard: string; removed: number; moved: number }): void;
  /**
   * A batch is done: what it had to publish (perhaps nothing) Kafka acknowledged, and the state advanced. `users`:
   * the ids Graph answered for (presences and missing ids).
   */
  onDelivered?(info: { shard: string; users: number }): void;
}

export interface StageTelemetry {
  metrics: ConnectorMetrics;
  health: WorkerHealth;
  logger: Logger;
  /** The info lines for people (first-cycle progress, readiness changes, the periodic summary); optional. */
  progress?: ProgressReporter;
}

/** The Graph client's reports, and the changes of its budget's learned request rate (RequestBudget adaptive). */
export function graphClientObserver(
  telemetry: StageTelemetry,
): GraphObserver & { onRateChange(change: RateChange): void } {
  const { metrics, progress } = telemetry;
  return {
    onRateChange: requestRateObserver(telemetry),
    onResponse: ({ status, durationMs }) => {
      metrics.graphRequests.inc({ status: String(status) });
      metrics.graphRequestDuration.observe(durationMs / 1000);
      progress?.graphResponse(status);
    },
    onRetryAfter: ({ status, delayMs }) => {
      metrics.graphThrottled.inc({ status: String(status) });
      metrics.graphRetryAfterWait.inc(delayMs / 1000);
    },
    onRetry: ({ reason }) => metrics.graphRetries.inc({ reason }),
  };
}

/** The request rate a worker allows itself (RequestBudget.rateLimit), for the gauges. */
export interface RequestRate {
  perSecond: number;
  ceilingPerSecond: number;
}

function recordRequestRate(metrics: StageTelemetry['metrics'], rate: RequestRate): void {
  metrics.graphRequestRateLimit.set(rate.perSecond);
  metrics.graphRequestRateShare.set(rate.ceilingPerSecond);
}

/** Each change of the learned Graph request rate: the gauges and one info line for people. */
function requestRateObserver({ metrics, logger }: StageTelemetry): (change: RateChange) => void {
  return (change) => {
    recordRequestRate(metrics, { perSecond: change.ratePerSecond, ceilingPerSecond: change.ceilingPerSecond });
    logger.info(
      {
        reason: change.reason,
        ratePerSecond: round(change.ratePerSecond),
        previousPerSecond: round(change.previousPerSecond),
        ceilingPerSecond: round(change.ceilingPerSecond),
        limited: change.limited,
        ...(change.allowedPerSecond === undefined ? {} : { allowedPerSecond: round(change.allowedPerSecond) }),
      },
      requestRateMessage(change),
    );
  };
}

function requestRateMessage(change: RateChange): string {
  const rate = perSecond(change.ratePerSecond);
  const share = `its share of the request budget is ${perSecond(change.ceilingPerSecond)}`;
  const allowed =
    change.allowedPerSecond === undefined ? '' : `Graph last let ${perSecond(change.allowedPerSecond)} through, `;
  switch (change.reason) {
    case 'throttled':
      return (
        `Graph throttled this worker (429) at ${perSecond(change.previousPerSecond)}: request rate lowered to ${rate} ` +
        `(${allowed}${share})`
      );
    case 'probe':
      return `Graph answers 200: request rate raised to ${rate} (${allowed}${share})`;
    case 'recovered':
      return `Graph answers 200: request rate back at this worker's share of the request budget, ${rate}`;
    case 'share':
      return change.limited
        ? `this worker's share of the request budget changed: learned request rate now ${rate} (${share})`
        : `this worker's share of the request budget changed: request rate back at the share, ${rate}`;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function perSecond(value: number): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} requests/s`;
}

export function processingObserver({ metrics, logger, progress }: StageTelemetry): ProcessingObserver {
  return {
    onVerdicts: ({ shard, counts }) => {
      metrics.presencesDropped.inc({ reason: 'duplicate' }, counts.duplicate);
      metrics.presencesDropped.inc({ reason: 'stale' }, counts.stale);
      progress?.verdicts(shard, counts);
    },
    onMissingIds: ({ shard, ids }) => {
      metrics.missingIds.inc(ids.length);
      progress?.missingIds(shard, ids.length);
      logger.debug({ shard, ids }, 'ids missing from the Graph response');
    },
    onPublished: ({ shard, snapshots, changes, usersTracked }) => {
      metrics.eventsPublished.inc({ kind: 'snapshot' }, snapshots);
      metrics.eventsPublished.inc({ kind: 'change' }, changes);
      metrics.usersTracked.set(usersTracked);
      progress?.published(shard, snapshots, changes);
    },
    onSequenceResets: ({ shard, resets }) => {
      metrics.sequenceResets.inc(resets.length);
      for (const { userId, previous, current } of resets) {
        logger.warn(
          { shard, userId, previousSequenceNumber: previous, sequenceNumber: current },
          "the user's sequence numbers went back for good: accepted as a change, later ones compare against it",
        );
      }
    },
    onDelivered: ({ shard, users }) => progress?.delivered(shard, users),
    onDeparted: ({ shard, removed, moved }) => {
      metrics.eventsPublished.inc({ kind: 'removed' }, removed);
      progress?.departed(shard, removed);
      logger.info(
        { shard, removed, moved },
        'users no longer in this shard: REMOVED published for those in no shard, state deleted for all',
      );
    },
  };
}

export function shardPollerObserver({ metrics, health, logger, progress }: StageTelemetry): ShardPollerObserver {
  // One per worker, shared by its shards: one line per cause per minute, however many shards fail the same way.
  const reportFailures = cycleFailureReporter(logger);
  return {
    onCycle: (report) => {
      metrics.cycleDuration.observe({ shard: report.shard }, report.durationMs / 1000);
      metrics.shardLag.set({ shard: report.shard }, report.lagMs / 1000);
      health.recordCycle(report.shard, report.failedBatches === 0, cycleFailureSummary(report));
      reportFailures(report);
      // After health: the end of a first cycle is when the worker usually turns ready, and the reporter says so.
      const events = progress?.cycleFinished(report);
      logger.debug({ ...report, ...events }, 'poll cycle finished');
    },
    onBatchFailed: ({ shard, error }) =>
      metrics.batchFailures.inc({ shard, code: isConnectorError(error) ? error.code : 'UNKNOWN' }),
    onQuarantined: ({ shard, total }) => metrics.quarantinedIds.set({ shard }, total),
    onStopped: ({ shard, reason }) => health.recordStopped(shard, reason),
    onConfirmed: ({ shard, confirmedAt }) => {
      metrics.recordWatermark(shard, confirmedAt);
      progress?.confirmed(shard, confirmedAt);
    },
  };
}

export function publisherObserver({ metrics, health }: StageTelemetry): SinkObserver {
  return {
    onPublished: ({ durationMs }) => {
      metrics.kafkaPublishDuration.observe(durationMs / 1000);
      health.recordSinkSuccess();
    },
    onSendError: ({ error }) => {
      metrics.kafkaSendErrors.inc();
      health.recordSinkFailure(error.message);
    },
    onTransaction: ({ outcome }) => metrics.kafkaTransactions.inc({ outcome }),
    onFenced: () => metrics.kafkaFenced.inc(),
  };
}

/** The shards this worker owns changed: readiness, the gauges, and one info line. */
export function recordOwnedShards(
  { metrics, health, logger, progress }: StageTelemetry,
  owned: readonly string[],
  context: { usersTracked: number; requestBudget: number; windowSeconds: number; requestRate?: RequestRate },
): void {
  health.recordOwnedShards(owned);
  metrics.shardsOwned.set(owned.length);
  if (context.requestRate !== undefined) recordRequestRate(metrics, context.requestRate);
  metrics.forgetWatermarksExcept(owned);
  metrics.usersTracked.set(context.usersTracked);
  progress?.owned(owned);
  logger.info(
    { owned, requestBudget: context.requestBudget, windowSeconds: context.windowSeconds },
    'polling these shards',
  );
}
