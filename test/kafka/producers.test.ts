import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { compressionType, toMessage, writtenBatches } from '../../src/kafka/producers.js';

const { CompressionTypes } = kafkajs;

describe('toMessage', () => {
  it('passes key, value, headers and an explicit partition through', () => {
    const value = Buffer.from([0x00, 0xff]);
    expect(toMessage({ key: 's1/u1', value, headers: { 'content-type': 'avro/binary' }, partition: 3 })).toEqual({
      key: 's1/u1',
      value,
      headers: { 'content-type': 'avro/binary' },
      partition: 3,
    });
  });

  it('leaves partition and headers out when the record has none, so the partitioner picks from the key', () => {
    const message = toMessage({ key: 'u1', value: 'v' });
    expect(message).toEqual({ key: 'u1', value: 'v' });
    expect('partition' in message).toBe(false);
    expect('headers' in message).toBe(false);
  });

  it('keeps partition 0, which is not "no partition"', () => {
    expect(toMessage({ key: 'k', value: 'v', partition: 0 })).toMatchObject({ partition: 0 });
  });
});

describe('compressionType', () => {
  it('maps the two settings onto kafkajs codecs', () => {
    expect(compressionType('gzip')).toBe(CompressionTypes.GZIP);
    expect(compressionType('none')).toBe(CompressionTypes.None);
  });
});

describe('writtenBatches', () => {
  it('reports topic, partition and base offset of each acknowledged batch', () => {
    expect(
      writtenBatches([
        { topicName: 'events', partition: 1, errorCode: 0, baseOffset: '42' },
        { topicName: 'state', partition: 7, errorCode: 0, baseOffset: '9007199254740993' },
      ]),
    ).toEqual([
      { topic: 'events', partition: 1, baseOffset: '42' },
      { topic: 'state', partition: 7, baseOffset: '9007199254740993' },
    ]);
  });

  it('leaves out entries without a base offset instead of inventing one', () => {
    expect(
      writtenBatches([
        { topicName: 'events', partition: 0, errorCode: 0, offset: '5' },
        { topicName: 'state', partition: 2, errorCode: 0, baseOffset: '0' },
      ]),
    ).toEqual([{ topic: 'state', partition: 2, baseOffset: '0' }]);
  });
});
