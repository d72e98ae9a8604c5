import type { HealthStatus } from '../observability/index.js';

/** After this many failed cycles in a row a shard makes the worker unready: Graph keeps failing. */
const FAILED_CYCLES_BEFORE_UNREADY = 3;
/**
 * One failed send makes the worker unready until a send succeeds: the sink already retried inside the Kafka
 * client before it reported the failure.
 */
const SINK_FAILURES_BEFORE_UNREADY = 1;

interface ShardHealth {
  succeededOnce: boolean;
  consecutiveFailures: number;
  stoppedReason?: string;
}

/**
 * Readiness: Kafka connected and every shard has completed one clean cycle, and neither Graph nor Kafka keeps
 * failing. Liveness stays true while the process can still make progress.
 */
export class WorkerHealth {
  private readonly shards = new Map<string, ShardHealth>();
  private sinkConnected = false;
  private stateRestored = false;
  private sinkFailures = 0;
  private lastSinkError: string | undefined;
  private stopping = false;

  constructor(shardNames: readonly string[]) {
    for (const name of shardNames) this.shards.set(name, { succeededOnce: false, consecutiveFailures: 0 });
  }

  recordSinkConnected(): void {
    this.sinkConnected = true;
  }

  recordStateRestored(): void {
    this.stateRestored = true;
  }

  recordSinkSuccess(): void {
    this.sinkFailures = 0;
  }

  recordSinkFailure(message: string): void {
    this.sinkFailures++;
    this.lastSinkError = message;
  }

  recordCycle(shard: string, ok: boolean): void {
    const health = this.shards.get(shard);
    if (health === undefined) return;
    health.consecutiveFailures = ok ? 0 : health.consecutiveFailures + 1;
    if (ok) health.succeededOnce = true;
  }

  recordStopped(shard: string, reason: string): void {
    const health = this.shards.get(shard);
    if (health !== undefined) health.stoppedReason = reason;
  }

  recordStopping(): void {
    this.stopping = true;
  }

  status(): HealthStatus {
    const reasons: string[] = [];
    if (this.stopping) reasons.push('shutting down');
    if (!this.sinkConnected) reasons.push('Kafka not connected yet');
    else if (!this.stateRestored) reasons.push('dedup state not restored yet');
    if (this.sinkFailures >= SINK_FAILURES_BEFORE_UNREADY) {
      reasons.push(`Kafka sends failing (${this.sinkFailures} in a row): ${this.lastSinkError ?? ''}`);
    }
    for (const [name, health] of this.shards) {
      if (health.stoppedReason !== undefined) reasons.push(`shard ${name} stopped: ${health.stoppedReason}`);
      else if (!health.succeededOnce) reasons.push(`shard ${name} has not completed a clean cycle yet`);
      else if (health.consecutiveFailures >= FAILED_CYCLES_BEFORE_UNREADY) {
        reasons.push(`shard ${name}: ${health.consecutiveFailures} failed cycles in a row`);
      }
    }
    const live = [...this.shards.values()].some((health) => health.stoppedReason === undefined) || this.shards.size === 0;
    return { live, ready: reasons.length === 0, reasons };
  }
}
