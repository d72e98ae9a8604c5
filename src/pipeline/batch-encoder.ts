import {
  buildPresenceEvent,
  createEventHeaderBuilder,
  type EventHeaderBuilder,
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
  /**
   * The same for the table topic, whose subject may carry another schema id; absent when the table is off. The
   * table's value is the event itself, so the Avro is encoded once and framed twice.
   */
  frameTableValue?: (avro: Buffer) => Buffer;
  /** The content-type header's value (cloudevents mode); default: raw Avro. */
  contentType?: string;
}

/**
 * The encoder step: the accepted presences of a batch become Avro events keyed by user id, the same values the
 * user's table records, and the states they lead to the shard's state records. All go to Kafka together (one
 * transaction in exactly-once mode).
 */
export function createBatchEncoder(options: BatchEncoderOptions) {
  const headersOf = headerBuilderFor(options);
  const frameValue = options.frameValue ?? ((avro: Buffer) => avro);
  const { frameTableValue } = options;
  return function encodeBatch(shard: string, dedup: BatchDedup): ShardBatch {
    // One clock for the events and the states: the next event's previousObservedAt is this event's observedAt.
    const context = {
      tenantId: options.tenantId,
      shard,
      connector: options.connectorName,
      observedAt: dedup.observedAt,
    };
    const events: SinkRecord[] = [];
    const table: SinkRecord[] = [];
    for (const { presence, previous } of dedup.accepted) {
      const event = buildPresenceEvent(presence, previous, context);
      const avro = options.codec.encode(event);
      events.push({ key: presence.id, value: frameValue(avro), headers: headersOf(event) });
      if (frameTableValue !== undefined) table.push({ key: presence.id, value: frameTableValue(avro) });
    }
    const state: SinkRecord[] = [];
    for (const [userId, userState] of dedup.nextStates) {
      state.push({ key: options.stateCodec.key(shard, userId), value: options.stateCodec.encode(userState) });
    }
    return frameTableValue === undefined ? { shard, events, state } : { shard, events, table, state };
  };
}

export type BatchEncoder = ReturnType<typeof createBatchEncoder>;

/** The events' headers, for every encoder of events (changes and departures). */
export function headerBuilderFor(options: BatchEncoderOptions): EventHeaderBuilder {
  return createEventHeaderBuilder({
    mode: options.headers ?? 'cloudevents',
    connectorName: options.connectorName,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
  });
}
