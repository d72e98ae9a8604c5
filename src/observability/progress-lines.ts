/**
 * The info lines of the progress reporter, as pure functions: numbers in, a message for people and fields for
 * machines out. The fields keep every number as a number; only the message is formatted (see log-format.ts).
 */
import type { HealthStatus } from './health-server.js';
import { formatCount, formatCounted, formatDuration, formatPercent } from './log-format.js';

/** What a shard did, counted from the stage observers. */
export interface ShardCounts {
  /** Ids Graph answered for (presences and ids without one) in batches that are done: published, or nothing new. */
  usersPolled: number;
  /** Ids Graph had no presence for (unknown users, users without Teams). */
  missing: number;
  /** Events Kafka acknowledged, by kind. */
  snapshots: number;
  changes: number;
  removed: number;
  /** Presences dropped by the dedup. */
  duplicates: number;
  stale: number;
}

/** A shard's counts over a summary interval, with its cycles. */
export interface ShardWindow extends ShardCounts {
  cycles: number;
  /** Cycles with at least one failure (retried the next cycle). */
  failedCycles: number;
  /** Graph batches the shard's cycles sent (one request each, before retries). */
  batches: number;
  /** Failed batches, plus failed retirements of leavers and watermarks not published (the poller's count). */
  failedBatches: number;
  longestCycleMs: number;
}

/** The worker's Graph requests over a summary interval: the Graph client and its budget serve every shard. */
export interface WorkerWindow {
  /** getPresencesByUserId responses, retries included. */
  requests: number;
  /** 429 responses. */
  throttled: number;
}

export interface LogLine {
  fields: Record<string, unknown>;
  msg: string;
}

export function emptyCounts(): ShardCounts {
  return { usersPolled: 0, missing: 0, snapshots: 0, changes: 0, removed: 0, duplicates: 0, stale: 0 };
}

export function emptyShardWindow(): ShardWindow {
  return { ...emptyCounts(), cycles: 0, failedCycles: 0, batches: 0, failedBatches: 0, longestCycleMs: 0 };
}

export function published(counts: ShardCounts): number {
  return counts.snapshots + counts.changes + counts.removed;
}

function eventsText(counts: ShardCounts): string {
  const { snapshots, changes, removed, duplicates, stale } = counts;
  const sent = `published ${formatCounted(snapshots, 'snapshot')}, ${formatCounted(changes, 'change')}, ${formatCount(removed)} removed`;
  return `${sent}; dropped ${formatCounted(duplicates, 'duplicate')}, ${formatCount(stale)} stale`;
}

export function firstCycleProgressLine(shard: string, counts: ShardCounts, users: number): LogLine {
  const share = users > 0 ? ` (${formatPercent(Math.min(1, counts.usersPolled / users))})` : '';
  return {
    fields: { shard, usersPolled: counts.usersPolled, users, published: published(counts) },
    msg:
      `shard ${shard}: first cycle, ${formatCount(counts.usersPolled)} of ${formatCounted(users, 'user')} polled` +
      `${share}, ${formatCounted(published(counts), 'event')} published`,
  };
}

export function firstCycleEndLine(
  shard: string,
  counts: ShardCounts,
  cycle: { durationMs: number; batches: number; failedBatches: number },
): LogLine {
  const { durationMs, batches, failedBatches } = cycle;
  const outcome =
    failedBatches === 0
      ? `done in ${formatDuration(durationMs)} (${formatCounted(batches, 'batch', 'batches')})`
      : `finished in ${formatDuration(durationMs)} (${formatCounted(batches, 'batch', 'batches')}) with ${formatCounted(failedBatches, 'failure')}, retried next cycle`;
  return {
    fields: { shard, ...counts, durationMs, batches, failedBatches },
    msg: `shard ${shard}: first cycle ${outcome}: ${formatCounted(counts.usersPolled, 'user')} polled, ${eventsText(counts)}`,
  };
}

export function shardSummaryLine(
  shard: string,
  window: ShardWindow,
  context: { elapsedMs: number; intervalMs: number; watermarkAgeMs: number | undefined },
): LogLine {
  const { elapsedMs, intervalMs, watermarkAgeMs } = context;
  const cycles = `${formatCounted(window.cycles, 'cycle')} (${formatCounted(window.batches, 'batch', 'batches')})`;
  const timing =
    window.cycles > 0
      ? `longest cycle ${formatDuration(window.longestCycleMs)} of the ${formatDuration(intervalMs)} interval`
      : `polling interval ${formatDuration(intervalMs)}`;
  const failures =
    window.failedCycles === 0
      ? ''
      : `; ${formatCounted(window.failedCycles, 'cycle')} with failures (${formatCount(window.failedBatches)})`;
  const missing = window.missing === 0 ? '' : `; ${formatCounted(window.missing, 'id')} without presence`;
  const watermark =
    watermarkAgeMs === undefined ? 'no complete cycle yet' : `watermark ${formatDuration(watermarkAgeMs)} old`;
  return {
    fields: {
      shard,
      elapsedMs,
      ...window,
      intervalMs,
      ...(watermarkAgeMs === undefined ? {} : { watermarkAgeMs }),
    },
    msg:
      `shard ${shard}, last ${formatDuration(elapsedMs)}: ${cycles}, ${formatCounted(window.usersPolled, 'user')} polled, ` +
      `${timing}; ${eventsText(window)}${failures}${missing}; ${watermark}`,
  };
}

export function workerSummaryLine(
  window: WorkerWindow,
  context: {
    elapsedMs: number;
    shards: number;
    budget: { maxRequests: number; windowMs: number };
    status: HealthStatus;
  },
): LogLine {
  const { elapsedMs, shards, budget, status } = context;
  // What the worker's share of the tenant's budget allowed over the interval, against what was sent.
  const allowed = (budget.maxRequests * elapsedMs) / Math.max(1, budget.windowMs);
  const budgetUse = allowed > 0 ? window.requests / allowed : 0;
  const readiness = status.ready ? 'ready' : `not ready: ${status.reasons.join('; ')}`;
  return {
    fields: {
      elapsedMs,
      graphRequests: window.requests,
      throttled: window.throttled,
      budgetMaxRequests: budget.maxRequests,
      budgetWindowMs: budget.windowMs,
      budgetUse,
      shards,
      ready: status.ready,
      ...(status.ready ? {} : { reasons: status.reasons }),
    },
    msg:
      `worker, last ${formatDuration(elapsedMs)}: ${formatCounted(window.requests, 'Graph request')}, ` +
      `${formatCount(window.throttled)} throttled (429), ${formatPercent(budgetUse)} of its budget share of ` +
      `${formatCounted(budget.maxRequests, 'request')} per ${formatDuration(budget.windowMs)}; ` +
      `${formatCounted(shards, 'shard')}, ${readiness}`,
  };
}

/** `waitedMs`: since the start the first time; since it stopped being ready when it turns ready `again`. */
export function readyLine(context: { shards: number; users: number; again: boolean; waitedMs: number }): LogLine {
  const { shards, users, again, waitedMs } = context;
  const what =
    shards === 0
      ? 'it owns no shards (other workers poll them)'
      : `${formatCounted(shards, 'shard')}, ${formatCounted(users, 'user')}, every shard completed a clean cycle`;
  const when = again ? `again after ${formatDuration(waitedMs)} not ready` : `after ${formatDuration(waitedMs)}`;
  return {
    fields: { shards, users, ...(again ? { notReadyMs: waitedMs } : { sinceStartMs: waitedMs }) },
    msg: `worker ready ${when}: ${what}`,
  };
}

export function notReadyLine(reasons: readonly string[]): LogLine {
  return { fields: { reasons }, msg: `worker no longer ready: ${reasons.join('; ')}` };
}
