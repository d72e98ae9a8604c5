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
  random: () => number;
  now?: () => number;
}

/**
 * The per-shard path, in the order of the README's diagram:
 *
 *   poller -> graph client -> dedup -> encoder -> sink -> state
 *
 * `pollerFor` gives a shard its scheduler, which hands every batch of ids to `fetch`, what came back to
 * `deliver`, and a cycle whose every batch was delivered to `confirm` (the shard's watermark). The in-memory
 * state advances only after the sink resolved, that is after Kafka acknowledged: a failure leaves it as it was,
 * and the next cycle produces the same events again. `retire` publishes the users who left a shard.
 */
export class PresencePipeline {
  /**
   * Shards whose table marker must change with their next watermark: true while the table is filled (every
   * unchanged user re-published, after an upgrade or after the table was switched on), false to delete a
   * marker the table being off made untrue.
   */
  private readonly markerDue = new Map<string, boolean>();

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

    const dedup = dedupBatch(result.presences, store, observedAt, this.resnapshotPolicy(shard, observedAt));
    observers.processing.onVerdicts?.(dedup.counts);
    if (dedup.accepted.length === 0) return;

    await publisher.publish(encodeBatch(shard, dedup));

    for (const [userId, state] of dedup.nextStates) store.commit(userId, state);
    observers.processing.onPublished?.({
      shard,
      snapshots: dedup.counts.snapshot,
      changes: dedup.counts.change,
      usersTracked: store.size,
    });
  }

  /**
   * The shard's watermark, after its cycle's batches (the shard's publishes are ordered), with the table marker
   * when it is due: a complete cycle that re-published every user completes the table.
   */
  async confirm(shard: string, cycle: CompletedCycle): Promise<void> {
    const { encodeWatermark, encodeTableMarker, publisher } = this.parts;
    const marker = this.markerDue.get(shard);
    const batch = encodeWatermark?.(shard, cycle) ?? { shard, events: [], state: [] };
    if (marker === undefined && batch.watermarks === undefined) return;
    await publisher.publish({
      ...batch,
      state: marker === undefined ? batch.state : [...batch.state, encodeTableMarker(shard, marker)],
    });
    this.markerDue.delete(shard);
  }

  /**
   * Acts on a shard's restore, before it is polled: publishes the users and gone shards it retires (see
   * Departure), and notes whether its table must be filled. The store is left alone: a user who moved may be
   * tracked by another owned shard.
   */
  async restored({ shard, departures, goneShards, tableComplete }: ShardRestored): Promise<void> {
    const { encodeDepartures, publisher, observers, tableEnabled } = this.parts;
    if (tableEnabled && !tableComplete) this.markerDue.set(shard, true);
    else if (!tableEnabled && tableComplete) this.markerDue.set(shard, false);
    else this.markerDue.delete(shard);
    if (departures.length === 0 && goneShards.length === 0) return;
    await publisher.publish(encodeDepartures(shard, departures, (this.parts.now ?? Date.now)(), goneShards));
    const removed = departures.filter((departure) => departure.removed).length;
    observers.processing.onDeparted?.({ shard, removed, moved: departures.length - removed });
  }

  /**
   * Filling the table re-publishes every unchanged user of the shard at once (as a first start does); the
   * periodic re-snapshot at most twice its steady share per batch, so a backlog drains over half an interval.
   */
  private resnapshotPolicy(shard: string, observedAt: number): ResnapshotPolicy | undefined {
    if (this.markerDue.get(shard) === true) return { isDue: () => true, maxPerBatch: Number.POSITIVE_INFINITY };
    const { resnapshotIntervalMs = 0, intervalMs, batchSize } = this.parts.schedule;
    if (resnapshotIntervalMs <= 0) return undefined;
    return {
      isDue: (userId, previous) => resnapshotDue(userId, previous, observedAt, resnapshotIntervalMs),
      maxPerBatch: Math.max(1, Math.ceil((2 * batchSize * intervalMs) / resnapshotIntervalMs)),
    };
  }
}
