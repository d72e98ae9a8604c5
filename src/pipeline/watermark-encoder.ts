import type { WatermarkCodec } from '../events/index.js';
import type { CompletedCycle } from '../poller/index.js';
import type { ShardBatch } from '../sink/index.js';

export interface WatermarkEncoderOptions {
  tenantId: string;
  connectorName: string;
  codec: WatermarkCodec;
  /** Plain Avro or Confluent-framed with the watermark subject's id (see event-values.ts). */
  frameValue: (avro: Buffer) => Buffer;
}

/** A shard's watermark as a batch of its own, keyed by the shard, to follow the cycle's changes. */
export function createWatermarkEncoder(options: WatermarkEncoderOptions) {
  return function encodeWatermark(shard: string, cycle: CompletedCycle): ShardBatch {
    const value = options.codec.encode({
      shard,
      tenantId: options.tenantId,
      confirmedAt: cycle.confirmedAt,
      cycleCompletedAt: cycle.completedAt,
      usersConfirmed: cycle.usersConfirmed,
      usersUnconfirmed: cycle.usersUnconfirmed,
      connector: options.connectorName,
    });
    return { shard, events: [], state: [], watermarks: [{ key: shard, value: options.frameValue(value) }] };
  };
}

export type WatermarkEncoder = ReturnType<typeof createWatermarkEncoder>;
