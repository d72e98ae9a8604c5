import { buildRemovedEvent } from '../events/index.js';
import type { ShardBatch, SinkRecord } from '../sink/index.js';
import type { Departure } from '../state/index.js';
import { headerBuilderFor, type BatchEncoderOptions } from './batch-encoder.js';

/**
 * Users who left a shard, as records: a REMOVED event and a table tombstone for each user who left the watched
 * set, and a state tombstone for every one (removed or moved), so nothing about them stays in the compacted
 * topics after compaction. Published through the shard that took them over, before it polls.
 */
export function createDepartureEncoder(options: BatchEncoderOptions) {
  const headersOf = headerBuilderFor(options);
  const frameValue = options.frameValue ?? ((avro: Buffer) => avro);
  const { frameTableValue } = options;
  return function encodeDepartures(shard: string, departures: readonly Departure[], observedAt: number): ShardBatch {
    const events: SinkRecord[] = [];
    const table: SinkRecord[] = [];
    const state: SinkRecord[] = [];
    for (const departure of departures) {
      state.push({ key: options.stateCodec.key(departure.stateShard, departure.userId), value: null });
      if (!departure.removed) continue;
      const event = buildRemovedEvent(departure.userId, departure.last, {
        tenantId: options.tenantId,
        shard: departure.stateShard,
        connector: options.connectorName,
        observedAt,
      });
      events.push({ key: departure.userId, value: frameValue(options.codec.encode(event)), headers: headersOf(event) });
      if (frameTableValue !== undefined) table.push({ key: departure.userId, value: null });
    }
    return frameTableValue === undefined ? { shard, events, state } : { shard, events, table, state };
  };
}

export type DepartureEncoder = ReturnType<typeof createDepartureEncoder>;
