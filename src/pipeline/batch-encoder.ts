import {
  buildPresenceEvent,
  createEventHeaderBuilder,
  type EventHeaderMode,
  type PresenceEventCodec,
} from '../events/index.js';
import type { ShardBatch, SinkRecord } from '../sink/index.js';
import type { BatchDedup, StateCodec } from '../state/index.js';

export interface BatchEncoderOptions {
  tenantId: string;
  connectorName: string;
  /** The kafka.headers setting; cloudevents, its default, when left out. */
  headers?: EventHeaderMode;
  codec: PresenceEventCodec;
  stateCodec: StateCodec;
  /**
   * The Kafka value for one Avro-encoded event: the bytes as they are, or Confluent-framed with the registry's
   * schema id (see event-values.ts). Default: as they are.
   */
  frameValue?: (avro: Buffer) => Buffer;
  /** The content-type header's value (cloudevents mode); default: raw Avro. */
  contentType?: string;
}

/**
 * The encoder step: the accepted presences of a batch become Avro events keyed by user id, and the states they
 * lead to become the shard's state records. Both go to Kafka together (one transaction in exactly-once mode).
 */
export function createBatchEncoder(options: BatchEncoderOptions) {
  const headersOf = createEventHeaderBuilder({
    mode: options.headers ?? 'cloudevents',
    connectorName: options.connectorName,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
  });
  const frameValue = options.frameValue ?? ((avro: Buffer) => avro);
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
      return { key: presence.id, value: frameValue(options.codec.encode(event)), headers: headersOf(event) };
    });
    const state: SinkRecord[] = [];
    for (const [userId, userState] of dedup.nextStates) {
      state.push({ key: options.stateCodec.key(shard, userId), value: options.stateCodec.encode(userState) });
    }
    return { shard, events, state };
  };
}

export type BatchEncoder = ReturnType<typeof createBatchEncoder>;
