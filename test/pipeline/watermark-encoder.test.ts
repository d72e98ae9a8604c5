import { describe, expect, it } from 'vitest';
import { createWatermarkCodec } from '../../src/events/index.js';
import { createWatermarkEncoder } from '../../src/pipeline/watermark-encoder.js';

describe('the watermark encoder', () => {
  const codec = createWatermarkCodec();
  const cycle = { confirmedAt: 1_000, completedAt: 1_900, usersConfirmed: 9, usersUnconfirmed: 1 };

  it('makes a batch with only the watermark, keyed by the shard, nothing for the change log or the state', () => {
    const encode = createWatermarkEncoder({ tenantId: 't', connectorName: 'c', codec, frameValue: (avro) => avro });
    const batch = encode('apac', cycle);
    expect(batch.events).toEqual([]);
    expect(batch.state).toEqual([]);
    expect(batch.table).toBeUndefined();
    expect(batch.watermarks).toHaveLength(1);
    const [record] = batch.watermarks ?? [];
    expect(record?.key).toBe('apac');
    if (record?.value == null) throw new Error('no value');
    expect(codec.decode(record.value)).toEqual({
      shard: 'apac',
      tenantId: 't',
      confirmedAt: 1_000,
      cycleCompletedAt: 1_900,
      usersConfirmed: 9,
      usersUnconfirmed: 1,
      connector: 'c',
    });
  });

  it('frames the value as the registry wants it', () => {
    const encode = createWatermarkEncoder({
      tenantId: 't',
      connectorName: 'c',
      codec,
      frameValue: (avro) => Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), avro]),
    });
    const value = encode('apac', cycle).watermarks?.[0]?.value;
    expect(value?.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 7]));
    expect(codec.decode(value?.subarray(5) ?? Buffer.alloc(0)).shard).toBe('apac');
  });
});
