import { buildPresenceEvent, type PresenceEventCodec } from '../events/index.js';
import type { ShardBatch, SinkRecord } from '../sink/index.js';
import type { BatchDedup, StateCodec } from '../state/index.js';

export interface BatchEncoderOptions {
  tenantId: string;
  connectorName: string;
  codec: PresenceEventCodec;
  stateCodec: StateCodec;
}

/**
 * The encoder step: the accepted presences of a batch become Avro events keyed by user id, and the states they
 * lead to become the shard's state records. Both go to Kafka together (one transaction in exactly-once mode).
 */
export function createBatchEncoder(options: BatchEncoderOptions) {
  return function encodeBatch(shard: string, dedup: BatchDedup): ShardBatch {
    // One clock for the events and the states: the next event's previousObservedAt is this event's observedAt.
    const context = {
      tenantId: options.tenantId,
      shard,
      connector: options.connectorName,
      observedAt: dedup.observedAt,
    };
    const events: SinkRecord[] = dedup.accepted.map(({ presence, previous }) => {
      const event = buildPresenceEvent(presence, previous, context);
      return { key: presence.id, value: options.codec.encode(event), headers: options.codec.headers(event) };
    });
    const state: SinkRecord[] = [];
    for (const [userId, userState] of dedup.nextStates) {
      state.push({ key: options.stateCodec.key(shard, userId), value: options.stateCodec.encode(userState) });
    }
    return { shard, events, state };
  };
}

export type BatchEncoder = ReturnType<typeof createBatchEncoder>;
