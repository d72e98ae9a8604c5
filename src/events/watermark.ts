import { fileURLToPath } from 'node:url';
import { loadAvroSchema, type AvroSchemaIdentity } from './codec.js';

export const WATERMARK_SCHEMA_PATH = fileURLToPath(new URL('../../schemas/presence-watermark.avsc', import.meta.url));

/** The value record of schemas/presence-watermark.avsc; field docs live in the schema. */
export interface PresenceWatermark {
  shard: string;
  tenantId: string;
  confirmedAt: number;
  cycleCompletedAt: number;
  usersConfirmed: number;
  usersUnconfirmed: number;
  connector: string;
}

export interface WatermarkCodec extends AvroSchemaIdentity {
  encode(watermark: PresenceWatermark): Buffer;
  decode(value: Buffer): PresenceWatermark;
}

export function createWatermarkCodec(schemaPath: string = WATERMARK_SCHEMA_PATH): WatermarkCodec {
  const { type, ...identity } = loadAvroSchema(schemaPath, 'PresenceWatermark');
  return {
    ...identity,
    encode: (watermark) => type.toBuffer(watermark),
    decode: (value) => type.fromBuffer(value) as PresenceWatermark,
  };
}
