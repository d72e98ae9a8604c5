/**
 * Failures told once per cause per interval, not once per occurrence. A wrong secret fails every batch of every
 * shard, a Graph outage every request: logged per batch that was hundreds of warn lines a minute, each with a stack,
 * and the one line that said what to do drowned in them.
 *
 * The interval is a fixed 60 s window per cause, per worker. Not the polling interval: that is 1 s in tests and
 * demos (a line per cycle would still be 60 a minute) and may be many minutes in production (a line per cycle is
 * then already rare). The first failure of a cause is logged at once; later ones are counted and folded into the
 * next line, which comes with the next failure after the window (no timer: a cause that stopped writes nothing
 * more). Warn for what retries cure, error for what a person must fix; stack traces only at debug.
 */
import { signInFailureOf, type SignInObserver } from '../auth/index.js';
import { ErrorCodes, isConnectorError } from '../errors.js';
import type { CycleFailure, CycleReport, CycleStep } from '../poller/index.js';
import type { Logger } from './logger.js';
import type { ConnectorMetrics } from './metrics.js';
import type { WorkerHealth } from './worker-health.js';

export const FAILURE_LOG_WINDOW_MS = 60_000;

export interface FailureLogOptions {
  windowMs?: number;
  now?: () => number;
}

/** What one line reports: the failures since the previous line of its cause (this one's included). */
export interface FailureSummary {
  count: number;
  /** The shards they happened in, sorted (none for a worker-wide cause such as sign-in). */
  shards: string[];
  /** Since the previous line of this cause; undefined for the first line. */
  sinceMs: number | undefined;
}

export interface FailureOccurrence {
  level: 'warn' | 'error';
  message: (summary: FailureSummary) => string;
  fields?: Record<string, unknown>;
  /** How many failures this occurrence stands for (a cycle's failed batches); default 1. */
  count?: number;
  shard?: string;
  /** Logged with its stack at debug, after the line that told of it. */
  error?: Error;
}

interface CauseState {
  loggedAt: number;
  count: number;
  shards: Set<string>;
}

export class FailureLog {
  private readonly causes = new Map<string, CauseState>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly logger: Logger,
    options: FailureLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? FAILURE_LOG_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** Logs the occurrence unless its cause was logged less than a window ago; returns whether it logged. */
  report(cause: string, occurrence: FailureOccurrence): boolean {
    const now = this.now();
    const count = occurrence.count ?? 1;
    const state = this.causes.get(cause);
    if (state !== undefined && now - state.loggedAt < this.windowMs) {
      state.count += count;
      if (occurrence.shard !== undefined) state.shards.add(occurrence.shard);
      return false;
    }
    const shards = new Set(state?.shards);
    if (occurrence.shard !== undefined) shards.add(occurrence.shard);
    const summary: FailureSummary = {
      count: (state?.count ?? 0) + count,
      shards: [...shards].sort(),
      sinceMs: state === undefined ? undefined : now - state.loggedAt,
    };
    this.logger[occurrence.level](
      { cause, failures: summary.count, ...occurrence.fields },
      occurrence.message(summary),
    );
    if (occurrence.error !== undefined) {
      this.logger.debug({ cause, err: occurrence.error }, 'the failure behind the previous line, with its stack');
    }
    this.causes.set(cause, { loggedAt: now, count: 0, shards: new Set() });
    return true;
  }

  /** The cause ended: its next failure is logged at once. */
  forget(cause: string): void {
    this.causes.delete(cause);
  }
}

/** One failure in words, for a log line and for /readyz: what failed, and the code that says why. */
export function describeFailure(error: Error): string {
  const signIn = signInFailureOf(error);
  if (signIn !== undefined) return `Graph sign-in failing: ${signIn.meaning} (${signIn.aadsts ?? signIn.reason})`;
  if (!isConnectorError(error)) return `${error.name}: ${error.message}`;
  const { status } = error.details;
  switch (error.code) {
    case ErrorCodes.GRAPH_UNAVAILABLE:
      return typeof status === 'number' ? `Graph unavailable: HTTP ${status}` : `Graph unavailable: ${error.message}`;
    case ErrorCodes.GRAPH_TIMEOUT:
      return `Graph unavailable: ${error.message}`;
    case ErrorCodes.GRAPH_NETWORK:
      return `Graph unreachable: ${error.cause instanceof Error ? error.cause.message : error.message}`;
    case ErrorCodes.GRAPH_THROTTLED:
      return `Graph throttling: ${error.message}`;
    default:
      return /^(SINK|KAFKA)_/.test(error.code) ? `Kafka: ${error.message}` : error.message;
  }
}

/**
 * Error for what a person must fix (a wrong secret, a missing permission, a bug), warn for what retries cure.
 * Fencing is neither: another worker took the shard over, as it should after a rebalance.
 */
export function needsAPerson(error: Error): boolean {
  if (!isConnectorError(error)) return true;
  return !error.retriable && error.code !== ErrorCodes.SINK_FENCED;
}

const STEP_TEXT: Record<CycleStep, { failed: (count: number) => string; next: string }> = {
  batch: { failed: (count) => `${plural(count, 'batch', 'batches')} failed`, next: 'retried next cycle' },
  retire: {
    failed: (count) => `retiring the users who left failed ${plural(count, 'time')}`,
    next: 'retried next cycle',
  },
  watermark: {
    failed: (count) => `watermark not published ${plural(count, 'time')}`,
    next: 'the next complete cycle writes one',
  },
};

/**
 * The failures of every shard's cycles, one line per cause per window for the whole worker (the shards share one
 * reporter): `shards a, b: 40 batches failed in the last 60 s: Graph unavailable: HTTP 503; retried next cycle`.
 */
export function cycleFailureReporter(logger: Logger, options: FailureLogOptions = {}): (report: CycleReport) => void {
  const log = new FailureLog(logger, options);
  return (report) => {
    for (const failure of report.failures ?? []) {
      log.report(`${failure.step} ${failure.cause}`, {
        level: needsAPerson(failure.error) ? 'error' : 'warn',
        shard: report.shard,
        count: failure.count,
        error: failure.error,
        fields: { code: isConnectorError(failure.error) ? failure.error.code : failure.error.name, step: failure.step },
        message: (summary) => cycleLine(failure, summary),
      });
    }
  };
}

function cycleLine(failure: CycleFailure, { count, shards, sinceMs }: FailureSummary): string {
  const shown = shards.slice(0, 5).join(', ') + (shards.length > 5 ? ` and ${shards.length - 5} more` : '');
  const where = shards.length === 1 ? `shard ${shown}` : `shards ${shown}`;
  const when = sinceMs === undefined ? '' : ` in the last ${seconds(sinceMs)}`;
  const step = STEP_TEXT[failure.step];
  return `${where}: ${step.failed(count)}${when}: ${describeFailure(failure.error)}; ${step.next}`;
}

/** Why a failed cycle failed, for readiness: its most frequent cause (`Graph unavailable: HTTP 503 on 20 of 20 batches`). */
export function cycleFailureSummary(report: CycleReport): string | undefined {
  const main = (report.failures ?? []).reduce<CycleFailure | undefined>(
    (most, failure) => (most === undefined || failure.count > most.count ? failure : most),
    undefined,
  );
  if (main === undefined) return undefined;
  const share = main.step === 'batch' ? ` on ${main.count} of ${plural(report.batches, 'batch', 'batches')}` : '';
  return `${describeFailure(main.error)}${share}`;
}

/**
 * Sign-in at Entra ID as the operator sees it: the metrics, the readiness reason while it fails, one line per cause
 * per window (error when a person must fix it, with the AADSTS code, what it means and what to do), and one info
 * line when it works again.
 */
export function signInObserver(
  { metrics, health, logger }: { metrics: ConnectorMetrics; health: WorkerHealth; logger: Logger },
  options: FailureLogOptions = {},
): SignInObserver {
  const log = new FailureLog(logger, options);
  const reported = new Set<string>();
  return {
    onSecretFileChanged: ({ file }) => {
      logger.info({ file }, `Graph client secret file ${file} holds a new secret: signing in with it`);
    },
    onSignInFailed: ({ error, failure, failedAttempts, failingForMs, retryInMs }) => {
      const code = failure.aadsts ?? failure.reason;
      metrics.graphSignInFailures.inc({ reason: failure.reason });
      metrics.graphSignInOk.set(0);
      health.recordSignIn(`${failure.meaning} (${code})`);
      const cause = `sign-in ${failure.reason} ${code}`;
      reported.add(cause);
      log.report(cause, {
        level: failure.retriable ? 'warn' : 'error',
        error,
        fields: {
          ...error.details,
          code: error.code,
          failedAttempts,
          failingForSeconds: Math.round(failingForMs / 1000),
          retryInSeconds: Math.round(retryInMs / 1000),
        },
        message: ({ count, sinceMs }) =>
          sinceMs === undefined
            ? `Graph sign-in failed: ${failure.meaning} (${code}). To fix: ${failure.action}. ` +
              `Polling waits; next sign-in attempt in ${seconds(retryInMs)}, then less and less often`
            : `Graph sign-in still failing: ${failure.meaning} (${code}), ${plural(count, 'failed attempt')} ` +
              `in the last ${seconds(sinceMs)}. To fix: ${failure.action}`,
      });
    },
    onSignInSucceeded: ({ failedAttempts, failingForMs }) => {
      metrics.graphSignInOk.set(1);
      health.recordSignIn(undefined);
      for (const cause of reported) log.forget(cause);
      reported.clear();
      if (failedAttempts === 0) return;
      logger.info(
        { failedAttempts, failingForSeconds: Math.round(failingForMs / 1000) },
        `Graph sign-in works again, after ${plural(failedAttempts, 'failed attempt')} over ${seconds(failingForMs)}`,
      );
    },
  };
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}
