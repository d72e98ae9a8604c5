import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  createRecordEncoder,
  groupMessagesPerPartition,
  installKafkajsPatches,
  PATCHED_KAFKAJS_VERSION,
} from '../../src/kafka/kafkajs-patches.js';

const require = createRequire(import.meta.url);
type Encode = Parameters<typeof createRecordEncoder>[1];
type Record = Parameters<Encode>[0];
const Encoder = require('kafkajs/src/protocol/encoder.js') as Parameters<typeof createRecordEncoder>[0];

/** A kafkajs file as shipped, loaded apart from the require cache, where the patch may have replaced it. */
function shippedModule(specifier: string): unknown {
  const filename = require.resolve(specifier);
  const cached = require.cache[filename];
  Reflect.deleteProperty(require.cache, filename);
  try {
    return require(filename);
  } finally {
    if (cached !== undefined) require.cache[filename] = cached;
  }
}

function bytes(encoded: unknown): Buffer {
  return (encoded as { buffer: Buffer }).buffer;
}

describe('kafkajs patches', () => {
  const shipped = shippedModule('kafkajs/src/protocol/recordBatch/record/v0/index.js') as Encode;
  const exact = createRecordEncoder(Encoder, shipped);

  it('encodes a record exactly as kafkajs does, whatever its key, value and headers', () => {
    const records: Record[] = [
      { key: 'e0afbaae-ed9a-4432-9505-000000000001', value: Buffer.alloc(244, 7) },
      { key: null, value: null, offsetDelta: 0, timestampDelta: 0 },
      { key: Buffer.from('k'), value: 'a string value', offsetDelta: 649, timestampDelta: 12 },
      // Beyond kafkajs's 512 B starting buffer, and a one-byte varint length turning into two.
      { key: 'user', value: Buffer.alloc(5_000, 1), offsetDelta: 127, timestampDelta: -64 },
      {
        key: 'user',
        value: Buffer.alloc(200),
        offsetDelta: 128,
        timestampDelta: 2 ** 31 - 1,
        headers: {
          ce_specversion: '1.0',
          ce_id: '0b1c9a6e-3f4d-4b8e-9c2a-1d5e6f7a8b9c',
          ce_subject: 'Zoë Van Dijk 🙂',
          'content-type': Buffer.from('application/avro'),
          empty: '',
          long: 'x'.repeat(300),
        },
      },
      { key: 'user', value: Buffer.alloc(1), headers: {} },
    ];
    for (const record of records) expect(bytes(exact(record))).toEqual(bytes(shipped(record)));
  });

  it('leaves what it does not mirror to kafkajs: several values per header, a 64-bit timestamp delta', () => {
    const several: Record = { key: 'u', value: Buffer.alloc(3), headers: { tag: ['a', 'b'] } };
    const far: Record = { key: 'u', value: Buffer.alloc(3), timestampDelta: 2 ** 40 };
    for (const record of [several, far]) expect(bytes(exact(record))).toEqual(bytes(shipped(record)));
  });

  it('groups messages by partition as kafkajs does, in their order', () => {
    const messages = Array.from({ length: 2_000 }, (_, index) => ({ key: `k${index}`, partition: (index * 7) % 5 }));
    const args = {
      topic: 't',
      partitionMetadata: [{}, {}, {}, {}, {}],
      messages,
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    };
    const shippedGrouping = shippedModule(
      'kafkajs/src/producer/groupMessagesPerPartition.js',
    ) as typeof groupMessagesPerPartition;
    expect(groupMessagesPerPartition(args)).toEqual(shippedGrouping(args));
    expect(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).toEqual({});
  });

  it('is in place for kafkajs when this module loaded first, and kafkajs is left as shipped otherwise', () => {
    expect((require('kafkajs/package.json') as { version: string }).version).toBe(PATCHED_KAFKAJS_VERSION);
    // Unit test files share worker threads: another file may have loaded kafkajs before this one.
    const outcome = installKafkajsPatches();
    expect(['installed', 'already-installed', 'kafkajs-loaded-first']).toContain(outcome);
    expect(installKafkajsPatches()).toBe(outcome === 'kafkajs-loaded-first' ? outcome : 'already-installed');
    require('kafkajs');
    const grouping: unknown = require('kafkajs/src/producer/groupMessagesPerPartition.js');
    const record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as Encode;
    const input: Record = { key: 'u', value: Buffer.alloc(10), headers: { a: 'b' } };
    expect(bytes(record(input))).toEqual(bytes(shipped(input)));
    if (outcome === 'kafkajs-loaded-first') expect(grouping).not.toBe(groupMessagesPerPartition);
    else expect(grouping).toBe(groupMessagesPerPartition);
  });
});
