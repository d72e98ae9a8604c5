import { buildRemovedEvent } from '../events/index.js';
import type { ShardBatch, SinkRecord } from '../sink/index.js';
import { TABLE_MARKER_ID, type Departure, type StateCodec } from '../state/index.js';
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
  return function encodeDepartures(
    shard: string,
    departures: readonly Departure[],
    observedAt: number,
    goneShards: readonly string[] = [],
  ): ShardBatch {
    const events: SinkRecord[] = [];
    const table: SinkRecord[] = [];
    // A shard the config no longer has loses its table marker and its watermark with its users.
    const state: SinkRecord[] = goneShards.map((gone) => tableMarkerRecord(options.stateCodec, gone, undefined));
    const watermarks: SinkRecord[] = goneShards.map((gone) => ({ key: gone, value: null }));
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
    return {
      shard,
      events,
      ...(frameTableValue === undefined ? {} : { table }),
      state,
      ...(watermarks.length === 0 ? {} : { watermarks }),
    };
  };
}

/** The shard's table marker (see TABLE_MARKER_ID) for this table topic, or a tombstone when there is none. */
export function tableMarkerRecord(stateCodec: StateCodec, shard: string, tableTopic: string | undefined): SinkRecord {
  return {
    key: stateCodec.key(shard, TABLE_MARKER_ID),
    value: tableTopic === undefined ? null : Buffer.from(tableTopic, 'utf8'),
  };
}

export type DepartureEncoder = ReturnType<typeof createDepartureEncoder>;
