/**
 * Keeps a failing sign-in from hammering Entra ID: every Graph request asks for a token, so without this a wrong
 * secret meant one token request (and one failure) per batch. While sign-in fails, the token endpoint is asked once
 * per backoff step; every call in between fails at once with the last attempt's error, and calls made while an
 * attempt is in flight share it. A success resets the backoff.
 *
 * A failure a person must fix (a wrong secret) is retried on the same schedule, capped at a few minutes: what is
 * fixed in Entra ID (admin consent granted, the certificate uploaded to the app registration) then takes effect
 * without a restart. A Retry-After from the token endpoint (429, 5xx) is honoured: no attempt before it ends.
 */
import { type ConnectorError, ErrorCodes, isConnectorError } from '../errors.js';
import { backoffDelayMs, type BackoffPolicy } from '../retry/index.js';
import { signInFailureOf, type SignInFailure } from './sign-in-failure.js';

/**
 * 5 s, doubling up to 5 minutes, each step drawn from its upper half: at most five token requests in the first
 * minute of a failure, then one every 2.5 to 5 minutes. A lower bound on each step (rather than full jitter) keeps a
 * draw near zero from sending two requests back to back; one worker makes these requests, so there is no herd to
 * spread.
 */
export const SIGN_IN_BACKOFF: BackoffPolicy = { initialMs: 5_000, maxMs: 300_000 };

/**
 * A failure that cures itself (Entra unreachable, 5xx, 429, a connection reset while many workers start) is asked
 * again soon, as Graph requests are retried: the slow schedule above is for what a person must fix, and would
 * otherwise keep a worker idle for minutes after a blip.
 */
export const TRANSIENT_SIGN_IN_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 5_000 };

/** Longer than this a Retry-After is not waited for: the slow schedule's cap (a bogus header must not idle a worker for hours). */
const MAX_RETRY_AFTER_MS = SIGN_IN_BACKOFF.maxMs;

function retryAfterMsOf(error: ConnectorError): number {
  const value = error.details.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(0, value), MAX_RETRY_AFTER_MS) : 0;
}

export interface SignInFailedInfo {
  error: ConnectorError;
  failure: SignInFailure;
  /** Failed attempts in a row, this one included. */
  failedAttempts: number;
  /** Since the first of them. */
  failingForMs: number;
  /** Until the token endpoint is asked again. */
  retryInMs: number;
}

/** Hooks for logs, metrics and readiness, so the auth module depends on none of them. */
export interface SignInObserver {
  /** A sign-in attempt (a request to Entra ID, not a call refused during the backoff) failed. */
  onSignInFailed?(info: SignInFailedInfo): void;
  /** The first sign-in, or the first after failures, succeeded. */
  onSignInSucceeded?(info: { failedAttempts: number; failingForMs: number }): void;
  /** The client secret file holds another secret than the one in use, which replaces it (never logged). */
  onSecretFileChanged?(info: { file: string }): void;
}

export interface SignInGateOptions {
  backoff?: BackoffPolicy;
  /** For retriable failures; default TRANSIENT_SIGN_IN_BACKOFF. */
  transientBackoff?: BackoffPolicy;
  observer?: SignInObserver;
  now?: () => number;
  random?: () => number;
}

interface Failing {
  error: ConnectorError;
  attempts: number;
  since: number;
  retryAt: number;
}

export class SignInGate {
  private failing: Failing | undefined;
  private signedIn = false;
  /** By `forceRefresh`: a forced refresh must not be answered with the token a plain call is fetching. */
  private readonly inFlight = new Map<boolean, Promise<string>>();
  private readonly backoff: BackoffPolicy;
  private readonly transientBackoff: BackoffPolicy;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: SignInGateOptions = {}) {
    this.backoff = options.backoff ?? SIGN_IN_BACKOFF;
    this.transientBackoff = options.transientBackoff ?? TRANSIENT_SIGN_IN_BACKOFF;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** The current failure while sign-in fails (its error is what callers get), else undefined. */
  get failure(): ConnectorError | undefined {
    return this.failing?.error;
  }

  /** Runs `attempt`, shares the one in flight, or throws the last failure while its backoff lasts. */
  acquire(forceRefresh: boolean, attempt: () => Promise<string>): Promise<string> {
    const shared = this.inFlight.get(forceRefresh);
    if (shared !== undefined) return shared;
    const failing = this.failing;
    if (failing !== undefined && this.now() < failing.retryAt) return Promise.reject(failing.error);
    const running = this.run(attempt).finally(() => this.inFlight.delete(forceRefresh));
    this.inFlight.set(forceRefresh, running);
    return running;
  }

  private async run(attempt: () => Promise<string>): Promise<string> {
    let token: string;
    try {
      token = await attempt();
    } catch (error) {
      this.recordFailure(error);
      throw error;
    }
    this.recordSuccess();
    return token;
  }

  private recordFailure(error: unknown): void {
    // Only classified sign-in failures are gated; anything else (a bug) reaches the caller and is not remembered.
    if (!isConnectorError(error, ErrorCodes.AUTH_FAILED)) return;
    const failure = signInFailureOf(error);
    if (failure === undefined) return;
    const now = this.now();
    const attempts = (this.failing?.attempts ?? 0) + 1;
    const since = this.failing?.since ?? now;
    // Equal jitter through the one backoff function: a draw from the upper half of each step.
    const policy = error.retriable ? this.transientBackoff : this.backoff;
    const backoffMs = backoffDelayMs(attempts - 1, policy, () => 0.5 + this.random() / 2);
    const retryInMs = Math.max(backoffMs, retryAfterMsOf(error));
    this.failing = { error, attempts, since, retryAt: now + retryInMs };
    this.options.observer?.onSignInFailed?.({
      error,
      failure,
      failedAttempts: attempts,
      failingForMs: now - since,
      retryInMs,
    });
  }

  /** Lets the next call attempt at once (the credential changed since the last failure); no-op unless failing. */
  retryNow(): void {
    if (this.failing !== undefined) this.failing.retryAt = this.now();
  }

  private recordSuccess(): void {
    const failing = this.failing;
    if (this.signedIn && failing === undefined) return;
    this.signedIn = true;
    this.failing = undefined;
    this.options.observer?.onSignInSucceeded?.({
      failedAttempts: failing?.attempts ?? 0,
      failingForMs: failing === undefined ? 0 : this.now() - failing.since,
    });
  }
}
