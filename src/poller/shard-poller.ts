import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type ConnectorError, ErrorCodes, isConnectorError, toError } from '../errors.js';
import type { PresenceBatchResult } from '../graph/index.js';
import { BatchPlan } from './batch-plan.js';
import { groupFailures, type CycleFailure, type CycleStep } from './cycle-failures.js';

/** At most one "cycle took longer than the interval" line per shard this often. */
const OVERRUN_LOG_INTERVAL_MS = 60_000;

/**
 * Errors that no retry of this worker can cure: a missing Graph permission, or another worker that took the
 * shard over (fenced). Polling on would only produce noise or fight the new owner.
 */
function isShardFatal(error: unknown): boolean {
  return isConnectorError(error, ErrorCodes.GRAPH_FORBIDDEN) || isConnectorError(error, ErrorCodes.SINK_FENCED);
}

export interface Shard {
  name: string;
  userIds: readonly string[];
}

/** Fetches one batch from Graph (the graph client). */
export type FetchBatch = (ids: readonly string[], signal: AbortSignal) => Promise<PresenceBatchResult>;
/** Takes the fetched presences onwards (dedup, encode, publish); resolves once Kafka acknowledged them. */
export type DeliverBatch = (shard: string, result: PresenceBatchResult, observedAt: number) => Promise<void>;

/** What a cycle whose every batch reached Kafka confirmed: the shard's freshness watermark. */
export interface CompletedCycle {
  /** The cycle's start: every confirmed user's presence was read at or after it. */
  confirmedAt: number;
  /** When the last batch was acknowledged. */
  completedAt: number;
  usersConfirmed: number;
  /** Ids Graph omitted or rejected in this cycle, and ids quarantined before it. */
  usersUnconfirmed: number;
}

/** Publishes a complete cycle's watermark; resolves once Kafka acknowledged it (after the cycle's batches). */
export type ConfirmCycle = (shard: string, cycle: CompletedCycle) => Promise<void>;

export interface CycleReport {
  shard: string;
  durationMs: number;
  /** How late the cycle started relative to its schedule. */
  lagMs: number;
  batches: number;
  /** Failed batches, plus a failed retirement of leavers and a watermark that was not published. */
  failedBatches: number;
  /**
   * The same failures by cause, each counted once: what the operator is told (one line per cause, not per batch).
   * The poller logs each failure only at debug; its observer decides what reaches the log at warn or error.
   * Optional only so that reports built elsewhere (tests of observers) need not list them; the poller always does.
   */
  failures?: CycleFailure[];
}

export interface ShardPollerObserver {
  onCycle?(report: CycleReport): void;
  onBatchFailed?(info: { shard: string; error: ConnectorError | Error }): void;
  onQuarantined?(info: { shard: string; ids: string[]; total: number }): void;
  onStopped?(info: { shard: string; reason: string }): void;
  /** A complete cycle's watermark reached Kafka. */
  onConfirmed?(info: { shard: string; confirmedAt: number }): void;
}

export interface ShardPollerOptions {
  shard: Shard;
  intervalMs: number;
  /** Delay before the first cycle, so shards spread their requests instead of starting together. */
  startDelayMs: number;
  batchSize: number;
  fetchBatch: FetchBatch;
  deliverBatch: DeliverBatch;
  /** Called after a cycle in which every batch reached Kafka, never after one that failed. */
  confirmCycle?: ConfirmCycle;
  /**
   * Called before each cycle's batches, when none of the shard's batches is in flight: retires the users who
   * left the shard (a failure counts as the cycle's, and the next cycle tries again).
   */
  beforeCycle?: (shard: string) => Promise<void>;
  logger: Logger;
  observer?: ShardPollerObserver;
  /** Ids Graph rejected; pass the same set to the next poller of this shard so they stay skipped. */
  quarantined?: Set<string>;
  now?: () => number;
}

/**
 * Polls one shard every interval. Cycles never overlap: a cycle that overruns delays the next one, which then
 * starts at once. Each batch goes to Graph and on to Kafka independently; a failed batch is retried next cycle.
 */
export class ShardPoller {
  private readonly quarantined: Set<string>;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly now: () => number;
  /** Overrunning cycles since the last line that said so, and when that line was written. */
  private overruns = { count: 0, loggedAt: Number.NEGATIVE_INFINITY };
  private readonly plan: BatchPlan;

  constructor(private readonly options: ShardPollerOptions) {
    this.now = options.now ?? Date.now;
    this.quarantined = options.quarantined ?? new Set<string>();
    this.plan = new BatchPlan(options.batchSize);
  }

  get name(): string {
    return this.options.shard.name;
  }

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.options.logger.error({ err: error, shard: this.name }, 'shard poller failed');
      this.options.observer?.onStopped?.({ shard: this.name, reason: toError(error).message });
    });
  }

  /** Stops scheduling; batches already sent to Graph finish and are delivered. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  /** Runs one cycle now; for tests and one-shot use. */
  async pollOnce(): Promise<CycleReport> {
    return this.runCycle(this.now(), this.now());
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    if (!(await this.pause(this.options.startDelayMs))) return;
    let scheduledAt = this.now();
    while (!signal.aborted) {
      const startedAt = this.now();
      const report = await this.runCycle(scheduledAt, startedAt);
      scheduledAt += this.options.intervalMs;
      const finishedAt = this.now();
      if (finishedAt > scheduledAt) {
        this.reportOverrun(report.durationMs, finishedAt);
        scheduledAt = finishedAt;
      }
      if (!(await this.pause(scheduledAt - finishedAt))) return;
    }
  }

  private async runCycle(scheduledAt: number, startedAt: number): Promise<CycleReport> {
    const retired = await this.retireLeavers();
    const batches = this.plan.batches(this.options.shard.userIds, this.quarantined);
    const outcomes = await Promise.allSettled(batches.map((ids) => this.pollBatch(ids)));
    const failures: Array<{ step: CycleStep; error: unknown }> = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [{ step: 'batch' as const, error: outcome.reason }] : [],
    );
    if (retired !== undefined) failures.push({ step: 'retire', error: retired });
    if (failures.length === 0) {
      const confirmed = outcomes.reduce(
        (sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value : 0),
        0,
      );
      const failure = await this.confirm(startedAt, confirmed);
      if (failure !== undefined) failures.push({ step: 'watermark', error: failure });
    }
    const report: CycleReport = {
      shard: this.name,
      durationMs: this.now() - startedAt,
      lagMs: Math.max(0, startedAt - scheduledAt),
      batches: batches.length,
      failedBatches: failures.length,
      failures: groupFailures(failures),
    };
    this.options.observer?.onCycle?.(report);
    const fatal = failures.map(({ error }) => error).find((failure) => isShardFatal(failure));
    if (fatal !== undefined) this.stopShard(fatal);
    return report;
  }

  /** A slow Graph makes every cycle overrun: said at once, then at most once a minute with how many overran. */
  private reportOverrun(cycleMs: number, now: number): void {
    this.overruns.count++;
    if (now - this.overruns.loggedAt < OVERRUN_LOG_INTERVAL_MS) return;
    const { count } = this.overruns;
    this.overruns = { count: 0, loggedAt: now };
    this.options.logger.warn(
      { shard: this.name, cycleMs, intervalMs: this.options.intervalMs, overrunCycles: count },
      count === 1
        ? 'poll cycle took longer than the interval; next cycle starts now'
        : `${count} poll cycles took longer than the interval since the last such line; each next cycle starts at once`,
    );
  }

  /** Runs `beforeCycle`; returns its failure, which counts as the cycle's. */
  private async retireLeavers(): Promise<unknown> {
    const { beforeCycle } = this.options;
    if (beforeCycle === undefined) return undefined;
    try {
      await beforeCycle(this.name);
      return undefined;
    } catch (error) {
      return this.stepFailed(error, 'retiring users who left failed; retried next cycle');
    }
  }

  /** Publishes the watermark of a complete cycle; returns the failure, which counts as the cycle's. */
  private async confirm(startedAt: number, usersConfirmed: number): Promise<unknown> {
    const { confirmCycle, shard } = this.options;
    if (confirmCycle === undefined || this.stopping.signal.aborted) return undefined;
    try {
      await confirmCycle(this.name, {
        confirmedAt: startedAt,
        completedAt: this.now(),
        usersConfirmed,
        usersUnconfirmed: shard.userIds.length - usersConfirmed,
      });
      this.options.observer?.onConfirmed?.({ shard: this.name, confirmedAt: startedAt });
      return undefined;
    } catch (error) {
      return this.stepFailed(error, 'watermark not published; the next cycle writes one');
    }
  }

  /** One batch to Graph and on to Kafka; resolves with how many of its users Graph returned a presence for. */
  private async pollBatch(ids: readonly string[]): Promise<number> {
    const signal = this.stopping.signal;
    try {
      const result = await this.options.fetchBatch(ids, signal);
      this.quarantine(result.rejectedIds);
      await this.options.deliverBatch(this.name, result, this.now());
      return ids.length - result.missingIds.length - result.rejectedIds.length;
    } catch (error) {
      if (signal.aborted && !isConnectorError(error)) throw error; // shutting down: not a failure to report
      const failure = toError(error);
      this.options.observer?.onBatchFailed?.({ shard: this.name, error: failure });
      // Per batch only at debug: a cause shared by every batch (a wrong secret, a Graph outage) would otherwise write
      // one line per batch. The cycle's report carries the failures by cause.
      this.options.logger.debug(
        { err: failure, shard: this.name, ids: ids.length },
        'batch failed; retried next cycle',
      );
      throw failure;
    }
  }

  private quarantine(ids: readonly string[]): void {
    const fresh = ids.filter((id) => !this.quarantined.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) this.quarantined.add(id);
    this.options.logger.warn(
      { shard: this.name, ids: fresh },
      'Graph rejected these ids (400 when sent alone); they are skipped from now on',
    );
    this.options.observer?.onQuarantined?.({ shard: this.name, ids: fresh, total: this.quarantined.size });
  }

  /** A step of the cycle besides its batches failed: it counts as the cycle's failure, reported like a batch's. */
  private stepFailed(error: unknown, message: string): Error {
    const failure = toError(error);
    this.options.observer?.onBatchFailed?.({ shard: this.name, error: failure });
    this.options.logger.debug({ err: failure, shard: this.name }, message);
    return failure;
  }

  private stopShard(error: unknown): void {
    const reason = isConnectorError(error) ? error.code : 'UNKNOWN';
    // The message says what to do; the stack only at debug (logs are for people).
    this.options.logger.error(
      { code: reason, shard: this.name },
      `${toError(error).message}; polling of this shard stopped`,
    );
    this.options.logger.debug({ err: error, shard: this.name }, 'the error that stopped the shard');
    this.options.observer?.onStopped?.({ shard: this.name, reason });
    this.stopping.abort();
  }

  /** Sleeps unless stopped; false when stopped. */
  private async pause(ms: number): Promise<boolean> {
    if (this.stopping.signal.aborted) return false;
    if (ms <= 0) return true;
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch (error) {
      if (this.stopping.signal.aborted) return false;
      throw error;
    }
  }
}
