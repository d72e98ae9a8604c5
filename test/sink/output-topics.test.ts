import { describe, expect, it } from 'vitest';
import { outputBatches, recordsIn } from '../../src/sink/output-topics.js';
import type { ShardBatch } from '../../src/sink/index.js';

const record = (key: string) => ({ key, value: Buffer.from(key) });
const batch: ShardBatch = {
  shard: 's',
  events: [record('e1'), record('e2')],
  table: [record('t1'), { key: 't2', value: null }],
  state: [record('s1')],
  watermarks: [record('w')],
};

describe('output topics', () => {
  it('counts every record of a batch, tombstones included', () => {
    expect(recordsIn(batch)).toBe(6);
    expect(recordsIn({ shard: 's', events: [record('e')], state: [] })).toBe(1);
  });

  it('orders the change log first, then table and watermarks, and leaves out what is off or empty', () => {
    const all = outputBatches({ eventsTopic: 'ch', tableTopic: 'tb', watermarkTopic: 'wm' }, batch);
    expect(all.map((entry) => [entry.topic, entry.records.length])).toEqual([
      ['ch', 2],
      ['tb', 2],
      ['wm', 1],
    ]);
    expect(outputBatches({ eventsTopic: 'ch' }, batch).map((entry) => entry.topic)).toEqual(['ch']);
    const watermarkOnly: ShardBatch = { shard: 's', events: [], state: [], watermarks: [record('w')] };
    expect(outputBatches({ eventsTopic: 'ch', tableTopic: 'tb', watermarkTopic: 'wm' }, watermarkOnly)).toEqual([
      { topic: 'wm', records: [record('w')] },
    ]);
  });
});
