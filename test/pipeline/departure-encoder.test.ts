import { describe, expect, it } from 'vitest';
import { createPresenceEventCodec } from '../../src/events/index.js';
import { createDepartureEncoder } from '../../src/pipeline/departure-encoder.js';
import { createStateCodec, type Departure } from '../../src/state/index.js';

const codec = createPresenceEventCodec();
const stateCodec = createStateCodec();
const last = { sequenceNumber: 'C9', availability: 'Busy', activity: 'InACall', observedAt: 500, fieldsHash: 1 };
const removed: Departure = { userId: 'gone', stateShard: 'old', last, removed: true };
const moved: Departure = { userId: 'moved', stateShard: 'emea', last, removed: false };

describe('the departure encoder', () => {
  const options = { tenantId: 't', connectorName: 'c', codec, stateCodec, headers: 'minimal' as const };

  it('writes REMOVED with the last presence as previous, a table tombstone, and state tombstones for all', () => {
    const encode = createDepartureEncoder({ ...options, frameTableValue: (avro) => avro });
    const batch = encode('emea', [removed, moved], 9_000);
    expect(batch.shard).toBe('emea');
    expect(batch.events).toHaveLength(1);
    const [record] = batch.events;
    if (record?.value == null) throw new Error('no event');
    expect(record.key).toBe('gone');
    expect(record.headers).toMatchObject({ ce_type: expect.stringMatching(/removed$/) });
    expect(codec.decode(record.value)).toMatchObject({
      kind: 'REMOVED',
      userId: 'gone',
      shard: 'old',
      availability: 'PresenceUnknown',
      activity: 'PresenceUnknown',
      sequenceNumber: null,
      previousAvailability: 'Busy',
      previousActivity: 'InACall',
      previousSequenceNumber: 'C9',
      previousObservedAt: 500,
      observedAt: 9_000,
      connector: 'c',
    });
    // The table forgets only the user who left the watched set: the moved user's new shard upserts it.
    expect(batch.table).toEqual([{ key: 'gone', value: null }]);
    expect(batch.state).toEqual([
      { key: stateCodec.key('old', 'gone'), value: null },
      { key: stateCodec.key('emea', 'moved'), value: null },
    ]);
  });

  it('writes no table records when the table is off', () => {
    const batch = createDepartureEncoder(options)('emea', [removed], 9_000);
    expect(batch.table).toBeUndefined();
    expect(batch.events).toHaveLength(1);
    expect(batch.state).toHaveLength(1);
  });
});
