/**
 * Matches the simulator's change stamps with the events a read_committed consumer saw, and sums them up: how long
 * each change took to become readable, split into the wait for a poll (change -> the worker read it) and the
 * delivery (read -> readable), against the floor a uniform schedule under the budget allows.
 */
import type { ChangeStampPage } from './freshness-protocol.js';
import type { CommittedEvents } from './commit-watcher.js';

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface ChangeMatch {
  /** Change -> readable by the consumer, per change seen (ms). */
  changeToCommitMs: number[];
  /** Change -> the worker read it from Graph (the event's observedAt). */
  changeToObservedMs: number[];
  /** The worker read it -> readable by the consumer. */
  observedToCommitMs: number[];
  stamped: number;
  seen: number;
  /** Changed again before any poll saw it: Graph only ever serves the latest, so no event can carry it. */
  superseded: number;
  /** Neither seen nor superseded by the end of the run. */
  missing: number;
  /** Seen with the stamp's sequence number but another user's id (must be 0). */
  mismatched: number;
}

/** Nearest-rank percentiles; NaN everywhere for an empty list. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number =>
    sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? 0),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/**
 * The first `measured` stamps are matched; the later ones (stamped during the drain) only tell which measured
 * changes were superseded.
 */
export function matchChanges(
  stamps: ChangeStampPage,
  events: CommittedEvents,
  userIdOf: (index: number) => string,
  measured = stamps.userIndex.length,
): ChangeMatch {
  const firstEvent = new Map<number, number>();
  events.sequence.forEach((sequence, i) => {
    if (!firstEvent.has(sequence)) firstEvent.set(sequence, i);
  });
  // The last change of each user: an unseen change with a later one of the same user was superseded.
  const lastOfUser = new Map<number, number>();
  stamps.userIndex.forEach((user, position) => lastOfUser.set(user, position));
  const match: ChangeMatch = {
    changeToCommitMs: [],
    changeToObservedMs: [],
    observedToCommitMs: [],
    stamped: measured,
    seen: 0,
    superseded: 0,
    missing: 0,
    mismatched: 0,
  };
  stamps.userIndex.forEach((user, position) => {
    if (position >= measured) return;
    const event = firstEvent.get(stamps.sequence[position] ?? Number.NaN);
    if (event === undefined) {
      if ((lastOfUser.get(user) ?? position) > position) match.superseded++;
      else match.missing++;
      return;
    }
    if (events.userId[event] !== userIdOf(user)) {
      match.mismatched++;
      return;
    }
    const changedAt = stamps.atMs[position] ?? Number.NaN;
    const observedAt = events.observedAt[event] ?? Number.NaN;
    const seenAt = events.seenAt[event] ?? Number.NaN;
    match.seen++;
    match.changeToCommitMs.push(seenAt - changedAt);
    match.changeToObservedMs.push(observedAt - changedAt);
    match.observedToCommitMs.push(seenAt - observedAt);
  });
  return match;
}

/** The shortest uniform cycle the budget allows: every user once, 650 ids a request. */
export function budgetCycleMs(users: number, requests: number, windowSeconds: number, idsPerRequest = 650): number {
  return (Math.ceil(users / idsPerRequest) * windowSeconds * 1000) / requests;
}

/**
 * A change at a uniformly random time waits U(0, cycle) for its user's next poll under a uniform schedule: the
 * q-quantile of the wait is q × cycle. Then the request's latency and the delivery (decode, dedup, the Kafka
 * transaction, the consumer) come on top.
 */
export function floorMs(q: number, cycleMs: number, deliveryMs: number): number {
  return q * cycleMs + deliveryMs;
}
