import type { HealthStatus } from './health-server.js';

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
  /** Why the last failed cycle failed, in words (`Graph unavailable: HTTP 503 on 20 of 20 batches`), if known. */
  lastFailure?: string;
}

/**
 * Readiness: Kafka connected and every shard has completed one clean cycle, and neither Graph nor Kafka keeps
 * failing. Liveness stays true while the process can still make progress.
 */
export class WorkerHealth {
  private readonly shards = new Map<string, ShardHealth>();
  private sinkConnected = false;
  private assigned = false;
  private sinkFailures = 0;
  private lastSinkError: string | undefined;
  private stopping = false;
  /** Undefined: no registry configured, or its schema id is known. Else why values cannot be written yet. */
  private registryProblem: string | undefined;
  private discoveryProblem: string | undefined;
  /** What the last sign-in attempt at Entra ID said while sign-in fails (`the client secret is wrong (AADSTS…)`). */
  private signInProblem: string | undefined;

  /**
   * The shards this worker owns from now on. A shard kept keeps its history; a new one must complete a clean
   * cycle (after its state was restored) before the worker is ready again.
   */
  recordOwnedShards(names: readonly string[]): void {
    this.assigned = true;
    for (const name of [...this.shards.keys()]) if (!names.includes(name)) this.shards.delete(name);
    for (const name of names)
      if (!this.shards.has(name)) this.shards.set(name, { succeededOnce: false, consecutiveFailures: 0 });
  }

  /** The event schema's id is not known yet: the registry is configured but could not be reached. */
  recordRegistryWaiting(reason: string): void {
    this.registryProblem = reason;
  }

  recordRegistryReady(): void {
    this.registryProblem = undefined;
  }

  /** The last discovery round of this worker failed (why), or undefined: it succeeded, or another worker discovers. */
  recordDiscovery(problem: string | undefined): void {
    this.discoveryProblem = problem;
  }

  /**
   * Sign-in at Entra ID fails (why, with its AADSTS code), or undefined: it works again. Nothing reaches Graph
   * meanwhile, so this says more than any shard's failed cycles do.
   */
  recordSignIn(problem: string | undefined): void {
    this.signInProblem = problem;
  }

  recordSinkConnected(): void {
    this.sinkConnected = true;
  }

  recordSinkSuccess(): void {
    this.sinkFailures = 0;
  }

  recordSinkFailure(message: string): void {
    this.sinkFailures++;
    this.lastSinkError = message;
  }

  /** A cycle of `shard` ended; `why` says in words what failed it, when it failed. */
  recordCycle(shard: string, ok: boolean, why?: string): void {
    const health = this.shards.get(shard);
    if (health === undefined) return;
    health.consecutiveFailures = ok ? 0 : health.consecutiveFailures + 1;
    if (!ok) {
      if (why === undefined) delete health.lastFailure;
      else health.lastFailure = why;
      return;
    }
    delete health.lastFailure;
    health.succeededOnce = true;
    // A shard polled again after it stopped (taken over anew after a rebalance) is healthy once a cycle succeeds.
    delete health.stoppedReason;
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
    if (this.registryProblem !== undefined) reasons.push(`Schema Registry: ${this.registryProblem}`);
    if (this.discoveryProblem !== undefined) reasons.push(`discovery failing: ${this.discoveryProblem}`);
    if (this.signInProblem !== undefined) reasons.push(`Graph sign-in failing: ${this.signInProblem}`);
    if (!this.sinkConnected) reasons.push('Kafka not connected yet');
    else if (!this.assigned) reasons.push('no shards assigned yet (state not restored)');
    if (this.sinkFailures >= SINK_FAILURES_BEFORE_UNREADY) {
      reasons.push(`Kafka sends failing (${this.sinkFailures} in a row): ${this.lastSinkError ?? ''}`);
    }
    for (const [name, health] of this.shards) {
      const why = health.lastFailure === undefined ? '' : `: ${health.lastFailure}`;
      if (health.stoppedReason !== undefined) reasons.push(`shard ${name} stopped: ${health.stoppedReason}`);
      else if (!health.succeededOnce) reasons.push(`shard ${name} has not completed a clean cycle yet${why}`);
      else if (health.consecutiveFailures >= FAILED_CYCLES_BEFORE_UNREADY) {
        reasons.push(`shard ${name}: ${health.consecutiveFailures} failed cycles in a row${why}`);
      }
    }
    // A worker whose every shard stopped for good (permission missing, fenced) can do nothing until restarted.
    const live =
      this.shards.size === 0 || [...this.shards.values()].some((health) => health.stoppedReason === undefined);
    return { live, ready: reasons.length === 0, reasons };
  }
}
