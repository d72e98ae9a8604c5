import { buildPresenceEvent, type PresenceEventCodec } from '../events/index.js';
import type { Presence, PresenceBatchResult } from '../graph/index.js';
import type { EventPublisher, SinkRecord } from '../sink/index.js';
import {
  decide,
  stateOf,
  type DedupVerdict,
  type PresenceStateStore,
  type StateCodec,
  type UserPresenceState,
} from '../state/index.js';

export interface ProcessorObserver {
  onVerdicts?(counts: Record<DedupVerdict, number>): void;
  onMissingIds?(info: { shard: string; ids: readonly string[] }): void;
  onPublished?(info: { shard: string; snapshots: number; changes: number; usersTracked: number }): void;
}

export interface PresenceProcessorOptions {
  tenantId: string;
  connectorName: string;
  store: PresenceStateStore;
  codec: PresenceEventCodec;
  stateCodec: StateCodec;
  sink: EventPublisher;
  observer?: ProcessorObserver;
}

/**
 * dedup -> encode -> publish for one batch. The events go out together with the state records they lead to
 * (one transaction in exactly-once mode). The in-memory state advances only after the sink resolved, that is
 * after Kafka acknowledged: a failure leaves it as it was and the next cycle produces the same events again.
 */
export function createPresenceProcessor(options: PresenceProcessorOptions) {
  return async function deliverBatch(shard: string, result: PresenceBatchResult, observedAt: number): Promise<void> {
    if (result.missingIds.length > 0) options.observer?.onMissingIds?.({ shard, ids: result.missingIds });
    const counts: Record<DedupVerdict, number> = { snapshot: 0, change: 0, duplicate: 0, stale: 0 };
    // Later entries for the same user in one response compare against the earlier ones, not the store.
    const pending = new Map<string, UserPresenceState>();
    const records: SinkRecord[] = [];
    for (const presence of result.presences) {
      const previous = pending.get(presence.id) ?? options.store.get(presence.id);
      const verdict = decide(previous, presence);
      counts[verdict]++;
      if (verdict === 'duplicate' || verdict === 'stale') continue;
      records.push(toRecord(presence, previous, shard, observedAt, options));
      pending.set(presence.id, stateOf(presence, observedAt));
    }
    options.observer?.onVerdicts?.(counts);
    if (records.length === 0) return;
    const state: SinkRecord[] = [];
    for (const [userId, userState] of pending) {
      state.push({ key: options.stateCodec.key(shard, userId), value: options.stateCodec.encode(userState) });
    }
    await options.sink.publish({ shard, events: records, state });
    for (const [userId, state] of pending) options.store.commit(userId, state);
    options.observer?.onPublished?.({
      shard,
      snapshots: counts.snapshot,
      changes: counts.change,
      usersTracked: options.store.size,
    });
  };
}

function toRecord(
  presence: Presence,
  previous: UserPresenceState | undefined,
  shard: string,
  observedAt: number,
  options: PresenceProcessorOptions,
): SinkRecord {
  const event = buildPresenceEvent(presence, previous, {
    tenantId: options.tenantId,
    shard,
    connector: options.connectorName,
    observedAt,
  });
  return { key: presence.id, value: options.codec.encode(event), headers: options.codec.headers(event) };
}
