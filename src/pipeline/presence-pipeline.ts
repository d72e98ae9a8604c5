import type { ShardConfig } from '../config/index.js';
import type { GraphPresenceClient, PresenceBatchResult } from '../graph/index.js';
import type { Logger, ProcessingObserver } from '../observability/index.js';
import { ShardPoller, type CompletedCycle, type ShardPollerObserver } from '../poller/index.js';
import type { EventPublisher } from '../sink/index.js';
import type { SinkRecord } from '../sink/index.js';
import {
  dedupBatch,
  resnapshotDue,
  type PresenceStateStore,
  type ResnapshotPolicy,
  type ShardRestored,
} from '../state/index.js';
import type { BatchEncoder } from './batch-encoder.js';
import type { DepartureEncoder } from './departure-encoder.js';
import type { WatermarkEncoder } from './watermark-encoder.js';

export interface PollingSchedule {
  intervalMs: number;
  /** The first cycle of a shard starts after a random share of this, so shards spread their requests. */
  startJitterMs: number;
  batchSize: number;
  /** Re-publish unchanged presences as snapshots after about this long; 0: never. */
  resnapshotIntervalMs?: number;
}

/** The graph client as the pipeline uses it: one batch of ids in, their presences out. */
export type PresenceSource = Pick<GraphPresenceClient, 'fetchPresences'>;

export interface PresencePipelineParts {
  schedule: PollingSchedule;
  graph: PresenceSource;
  store: PresenceStateStore;
  encodeBatch: BatchEncoder;
  encodeDepartures: DepartureEncoder;
  /** The shard's table marker record: present (the table holds all its users) or a tombstone. */
  encodeTableMarker: (shard: string, complete: boolean) => SinkRecord;
  /** Whether the table topic is written. */
  tableEnabled: boolean;
  /** Absent when watermarks are off: a complete cycle is then only reported, not published. */
  encodeWatermark?: WatermarkEncoder;
  publisher: EventPublisher;
  logger: Logger;
  observers: { poller: ShardPollerObserver; processing: ProcessingObserver };
  /** Users who left a discovered shard at run time (discovery); absent without discovery. */
  leavers?: ShardLeavers;
  random: () => number;
  now?: () => number;
}

/** Who left a shard since last asked (see DiscoveredShards). */
export interface ShardLeavers {
  takeLeavers(shard: string): string[];
  /** What could not be retired, to be retired next time. */
  returnLeavers(shard: string, userIds: readonly string[]): void;
}

/**
 * The per-shard path, in the order of the README's diagram:
 *
 *   poller -> graph client -> dedup -> encoder -> sink -> state
 *
 * `pollerFor` gives a shard its scheduler, which hands every batch of ids to `fetch`, what came back to
 * `deliver`, and a cycle whose every batch was delivered to `confirm` (the shard's watermark). The in-memory
 * state advances only after the sink resolved, that is after Kafka acknowledged: a failure leaves it as it was,
 * and the next cycle produces the same events again. `restored` publishes the users who left a shard, before it is polled.
 */
export class PresencePipeline {
  constructor(private readonly parts: PresencePipelineParts) {}

  /** poller: one scheduler per shard; pass the shard's quarantined ids on so they stay skipped. */
  pollerFor(shard: ShardConfig, quarantined: Set<string>): ShardPoller {
    const { schedule, logger, observers, random } = this.parts;
    return new ShardPoller({
      shard,
      quarantined,
      intervalMs: schedule.intervalMs,
      startDelayMs: Math.round(random() * schedule.startJitterMs),
      batchSize: schedule.batchSize,
      fetchBatch: (ids, signal) => this.fetch(ids, signal),
      deliverBatch: (name, result, observedAt) => this.deliver(name, result, observedAt),
      confirmCycle: (name, cycle) => this.confirm(name, cycle),
      ...(this.parts.leavers === undefined ? {} : { beforeCycle: (name: string) => this.retire(name) }),
      logger: logger.child({ shard: shard.name }),
      observer: observers.poller,
    });
  }

  /** graph client: one getPresencesByUserId batch, within the tenant's budget. */
  fetch(ids: readonly string[], signal: AbortSignal): Promise<PresenceBatchResult> {
    return this.parts.graph.fetchPresences(ids, signal);
  }

  /** dedup -> encoder -> sink, then the state. Resolves once Kafka acknowledged the batch. */
  async deliver(shard: string, result: PresenceBatchResult, observedAt: number): Promise<void> {
    const { store, encodeBatch, publisher, observers } = this.parts;
    if (result.missingIds.length > 0) observers.processing.onMissingIds?.({ shard, ids: result.missingIds });

    const dedup = dedupBatch(result.presences, store, observedAt, this.resnapshotPolicy(observedAt));
    store.setStaleStreaks(dedup.staleStreaks);
    observers.processing.onVerdicts?.({ shard, counts: dedup.counts });
    const users = result.presences.length + result.missingIds.length;
    if (dedup.accepted.length === 0) {
      observers.processing.onDelivered?.({ shard, users });
      return;
    }

    await publisher.publish(encodeBatch(shard, dedup));

    for (const [userId, state] of dedup.nextStates) store.commit(userId, state, this.parts.tableEnabled);
    observers.processing.onPublished?.({
      shard,
      snapshots: dedup.counts.snapshot,
      changes: dedup.counts.change,
      usersTracked: store.size,
    });
    if (dedup.resets.length > 0) observers.processing.onSequenceResets?.({ shard, resets: dedup.resets });
    observers.processing.onDelivered?.({ shard, users });
  }

  /** The shard's watermark, after its cycle's batches (the shard's publishes are ordered). */
  async confirm(shard: string, cycle: CompletedCycle): Promise<void> {
    const { encodeWatermark, publisher } = this.parts;
    if (encodeWatermark !== undefined) await publisher.publish(encodeWatermark(shard, cycle));
  }

  /**
   * Acts on a shard's restore, before it is polled: publishes the users and gone shards it retires (see
   * Departure), and the shard's table marker when it changes: written when the table is on and the marker was
   * missing (every state record from now on comes with its table record), deleted when the table is off, so
   * that switching it on again refills it. The store is left alone: a user who moved may be tracked by another
   * owned shard.
   */
  async restored({ shard, departures, goneShards, tableComplete }: ShardRestored): Promise<void> {
    const { encodeDepartures, encodeTableMarker, publisher, observers, tableEnabled } = this.parts;
    const marker = tableEnabled === tableComplete ? [] : [encodeTableMarker(shard, tableEnabled)];
    if (departures.length === 0 && goneShards.length === 0 && marker.length === 0) return;
    const observedAt = (this.parts.now ?? Date.now)();
    const first = encodeDepartures(shard, departures.slice(0, this.parts.schedule.batchSize), observedAt, goneShards);
    await publisher.publish({ ...first, state: [...first.state, ...marker] });
    // The rest a Graph batch's worth at a time, each its own transaction with its state tombstones: a first start
    // that retires a whole removed shard never builds one huge transaction, and what committed is not retired again.
    for (let start = this.parts.schedule.batchSize; start < departures.length; start += this.parts.schedule.batchSize) {
      const chunk = departures.slice(start, start + this.parts.schedule.batchSize);
      await publisher.publish(encodeDepartures(shard, chunk, observedAt));
    }
    if (departures.length === 0) return;
    const removed = departures.filter((departure) => departure.removed).length;
    observers.processing.onDeparted?.({ shard, removed, moved: departures.length - removed });
  }

  /**
   * Retires the users who left a shard while it was polled (discovery found them gone, disabled or out of the
   * group): a REMOVED event, table and state tombstones, as a restore does for users who left while nobody polled
   * the shard. Runs between two cycles, so no batch in flight can publish a user after its tombstone. A user
   * never published (no state) has nothing to retire.
   */
  async retire(shard: string): Promise<void> {
    const { leavers, store, encodeDepartures, publisher, observers, schedule } = this.parts;
    const taken = leavers?.takeLeavers(shard) ?? [];
    const departures = taken.flatMap((userId) => {
      const last = store.get(userId);
      return last === undefined ? [] : [{ userId, stateShard: shard, last, removed: true }];
    });
    const observedAt = (this.parts.now ?? Date.now)();
    let done = 0;
    try {
      for (; done < departures.length; done += schedule.batchSize) {
        const chunk = departures.slice(done, done + schedule.batchSize);
        await publisher.publish(encodeDepartures(shard, chunk, observedAt));
        for (const departure of chunk) store.delete(departure.userId);
      }
    } catch (error) {
      leavers?.returnLeavers(
        shard,
        departures.slice(done).map((departure) => departure.userId),
      );
      throw error;
    }
    if (departures.length > 0) observers.processing.onDeparted?.({ shard, removed: departures.length, moved: 0 });
  }

  /**
   * Which unchanged presences go out again: a user whose state predates the table, at once (as at a first
   * start), so the table holds everyone; and with a re-snapshot interval, each user once per interval, at most
   * twice its steady share per batch, so a backlog drains over half an interval.
   */
  private resnapshotPolicy(observedAt: number): ResnapshotPolicy | undefined {
    const { tableEnabled } = this.parts;
    const { resnapshotIntervalMs = 0, intervalMs, batchSize } = this.parts.schedule;
    const periodic = resnapshotIntervalMs > 0;
    if (!tableEnabled && !periodic) return undefined;
    return {
      mustRepublish: (_userId, stored) => tableEnabled && !stored.onTable,
      isDue: (userId, stored) => periodic && resnapshotDue(userId, stored, observedAt, resnapshotIntervalMs),
      maxPerBatch: periodic ? Math.max(1, Math.ceil((2 * batchSize * intervalMs) / resnapshotIntervalMs)) : 0,
    };
  }
}
