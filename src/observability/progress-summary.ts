/**
 * What a person watching the info log needs to see that the worker works: the progress of each shard's first
 * cycle after it was taken over, the moments the worker turns ready and stops being ready, and a summary per shard
 * (and one for the worker's Graph requests) every `summaryIntervalMs`. Fed by the stage observers
 * (pipeline-observers.ts), never by reading the metrics back.
 *
 * A quiet shard still reports at every interval: its line is what says that it is polled at all (cycles, watermark
 * age), so a missing line, or one with no cycle, means trouble rather than "nothing changed".
 */
import type { DedupVerdict } from '../state/index.js';
import type { HealthStatus } from './health-server.js';
import type { Logger } from './logger.js';
import {
  emptyCounts,
  emptyShardWindow,
  firstCycleEndLine,
  firstCycleProgressLine,
  notReadyLine,
  readyLine,
  shardSummaryLine,
  workerSummaryLine,
  type LogLine,
  type ShardCounts,
  type ShardWindow,
  type WorkerWindow,
} from './progress-lines.js';

/** A first cycle's progress line at most this often per shard; a shorter first cycle logs only its end. */
const PROGRESS_INTERVAL_MS = 5_000;
/** How often readiness is looked at besides after each cycle: bounds the lines a flapping readiness can cause. */
const READINESS_CHECK_MS = 5_000;

export interface ProgressReporterOptions {
  logger: Logger;
  /** The worker's readiness (WorkerHealth.status). */
  readiness: () => HealthStatus;
  pollingIntervalMs: number;
  /** 0: no periodic summary (first-cycle progress and readiness changes are still logged). */
  summaryIntervalMs: number;
  /** The users a shard has now (a discovered shard's change at run time). */
  usersOf: (shard: string) => number;
  /** The worker's share of the tenant's Graph budget now. */
  budgetShare: () => { maxRequests: number; windowMs: number };
  progressIntervalMs?: number;
  readinessCheckMs?: number;
  now?: () => number;
}

interface ShardProgress {
  window: ShardWindow;
  /** The cycle in progress. */
  cycle: ShardCounts;
  /** Until the shard's first cycle after its takeover ended: when its last progress line was (or was due). */
  firstCycle: { lastLineAt: number | undefined } | undefined;
  confirmedAt: number | undefined;
}

export class ProgressReporter {
  private readonly shards = new Map<string, ShardProgress>();
  private worker: WorkerWindow = { requests: 0, throttled: 0 };
  private readonly now: () => number;
  private startedAt: number;
  private windowStart: number;
  private ready = false;
  /** Since when the worker is not ready, once it had been ready. */
  private notReadySince: number | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: ProgressReporterOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.windowStart = this.startedAt;
  }

  /** Starts the readiness checks and the summary timer; they stop when `signal` aborts (the worker stops). */
  start(signal?: AbortSignal): void {
    if (this.timers.length > 0 || signal?.aborted === true) return;
    this.startedAt = this.now();
    this.windowStart = this.startedAt;
    const every = (ms: number, run: () => void): void => {
      // unref: a worker that is not stopped properly must not be kept alive by its progress lines.
      this.timers.push(setInterval(run, ms).unref());
    };
    every(this.options.readinessCheckMs ?? READINESS_CHECK_MS, () => this.checkReadiness());
    if (this.options.summaryIntervalMs > 0) every(this.options.summaryIntervalMs, () => this.summarize());
    signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** The shards this worker owns from now on; a shard new to it starts with its first cycle. */
  owned(names: readonly string[]): void {
    for (const name of [...this.shards.keys()]) if (!names.includes(name)) this.shards.delete(name);
    for (const name of names) this.shardOf(name);
  }

  /** Ids of a batch Graph had no presence for. */
  missingIds(shard: string, count: number): void {
    this.add(shard, { missing: count });
  }

  /** The dedup verdicts of one batch: what it drops is counted here, what it publishes once Kafka has it. */
  verdicts(shard: string, verdicts: Record<DedupVerdict, number>): void {
    this.add(shard, { duplicates: verdicts.duplicate, stale: verdicts.stale });
  }

  /**
   * A batch of `users` is done: its events (if any) acknowledged. Users count as polled only now, so that the
   * first cycle's progress is what reached Kafka, not what Graph answered and still waits to be published.
   */
  delivered(shard: string, users: number): void {
    this.add(shard, { usersPolled: users });
    this.reportFirstCycle(shard);
  }

  /** Events Kafka acknowledged. */
  published(shard: string, snapshots: number, changes: number): void {
    this.add(shard, { snapshots, changes });
  }

  departed(shard: string, removed: number): void {
    this.add(shard, { removed });
  }

  /** A cycle of the shard ended: returns its counts (for the per-cycle line) and starts the next cycle's. */
  cycleFinished(report: { shard: string; durationMs: number; batches: number; failedBatches: number }): ShardCounts {
    const progress = this.shardOf(report.shard);
    const { window, cycle } = progress;
    window.cycles++;
    window.batches += report.batches;
    window.failedBatches += report.failedBatches;
    if (report.failedBatches > 0) window.failedCycles++;
    window.longestCycleMs = Math.max(window.longestCycleMs, report.durationMs);
    progress.cycle = emptyCounts();
    if (progress.firstCycle !== undefined) {
      progress.firstCycle = undefined;
      this.log(firstCycleEndLine(report.shard, cycle, report));
      // The usual moment a worker turns ready: say so now rather than at the next check.
      this.checkReadiness();
    }
    return cycle;
  }

  /** A complete cycle's watermark reached Kafka. */
  confirmed(shard: string, confirmedAt: number): void {
    this.shardOf(shard).confirmedAt = confirmedAt;
  }

  graphResponse(status: number): void {
    this.worker.requests++;
    if (status === 429) this.worker.throttled++;
  }

  /** Logs a line when the worker turned ready, or stopped being ready (with the reasons). */
  checkReadiness(): void {
    const status = this.options.readiness();
    if (status.ready === this.ready) return;
    this.ready = status.ready;
    if (!status.ready) {
      this.notReadySince = this.now();
      this.log(notReadyLine(status.reasons), 'warn');
      return;
    }
    const names = [...this.shards.keys()];
    const users = names.reduce((sum, name) => sum + this.options.usersOf(name), 0);
    const again = this.notReadySince !== undefined;
    const waitedMs = this.now() - (this.notReadySince ?? this.startedAt);
    this.log(readyLine({ shards: names.length, users, again, waitedMs }));
  }

  /** One line per owned shard, quiet or not, and one for the worker; then a new interval begins. */
  summarize(): void {
    const now = this.now();
    const elapsedMs = now - this.windowStart;
    const intervalMs = this.options.pollingIntervalMs;
    for (const [shard, progress] of this.shards) {
      const watermarkAgeMs = progress.confirmedAt === undefined ? undefined : Math.max(0, now - progress.confirmedAt);
      this.log(shardSummaryLine(shard, progress.window, { elapsedMs, intervalMs, watermarkAgeMs }));
      progress.window = emptyShardWindow();
    }
    const status = this.options.readiness();
    const budget = this.options.budgetShare();
    this.log(workerSummaryLine(this.worker, { elapsedMs, shards: this.shards.size, budget, status }));
    this.worker = { requests: 0, throttled: 0 };
    this.windowStart = now;
  }

  private shardOf(shard: string): ShardProgress {
    let progress = this.shards.get(shard);
    if (progress === undefined) {
      progress = {
        window: emptyShardWindow(),
        cycle: emptyCounts(),
        firstCycle: { lastLineAt: undefined },
        confirmedAt: undefined,
      };
      this.shards.set(shard, progress);
    }
    return progress;
  }

  private add(shard: string, counts: Partial<ShardCounts>): void {
    const { window, cycle } = this.shardOf(shard);
    for (const [key, value] of Object.entries(counts) as [keyof ShardCounts, number][]) {
      window[key] += value;
      cycle[key] += value;
    }
  }

  /** During a first cycle: a progress line once `progressIntervalMs` passed since its first batch or last line. */
  private reportFirstCycle(shard: string): void {
    const progress = this.shardOf(shard);
    const first = progress.firstCycle;
    if (first === undefined) return;
    const now = this.now();
    if (first.lastLineAt === undefined) {
      first.lastLineAt = now;
      return;
    }
    if (now - first.lastLineAt < (this.options.progressIntervalMs ?? PROGRESS_INTERVAL_MS)) return;
    first.lastLineAt = now;
    this.log(firstCycleProgressLine(shard, progress.cycle, this.options.usersOf(shard)));
  }

  private log({ fields, msg }: LogLine, level: 'info' | 'warn' = 'info'): void {
    this.options.logger[level](fields, msg);
  }
}
