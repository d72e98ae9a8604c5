import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/simulator/byte-writer.js';
import { createCatalog } from '../../src/simulator/presence-catalog.js';
import {
  presenceJson,
  writePresence,
  writeUnknownPresence,
  type ServedFields,
} from '../../src/simulator/presence-json.js';
import { PresenceStore } from '../../src/simulator/presence-store.js';
import { createRandom } from '../../src/simulator/random.js';
import { userIdAt } from '../../src/simulator/user-ids.js';

const NOW_SECONDS = 1_700_000_000;

function storeOf(count: number): PresenceStore {
  return new PresenceStore(count, 1, createCatalog(), createRandom(1), NOW_SECONDS);
}

function written(store: PresenceStore, index: number, variant: 'current' | 'older' | 'repeated' | 'null' | 'absent') {
  const out = new ByteWriter(16);
  const served: ServedFields = { availability: '', activity: '', sequenceNumber: null };
  writePresence(out, store, index, userIdAt(index, 1), { variant, statusDates: true, served });
  return { json: JSON.parse(out.finish().toString('utf8')) as Record<string, unknown>, served };
}

describe('presence JSON', () => {
  it("writes valid JSON in Graph's shape and records what it served", () => {
    const store = storeOf(200);
    for (let index = 0; index < 200; index++) {
      const { json, served } = written(store, index, 'current');
      expect(Object.keys(json)).toEqual(
        expect.arrayContaining(['id', 'availability', 'activity', 'statusMessage', 'outOfOfficeSettings']),
      );
      expect(json['id']).toBe(userIdAt(index, 1));
      expect([served.availability, served.activity]).toEqual([json['availability'], json['activity']]);
      expect(served.sequenceNumber).toBe(json['sequenceNumber']);
    }
  });

  it('serves the sequence number as null, absent, or the previous one for the variants', () => {
    const store = storeOf(10);
    store.changeRandomly(3, createRandom(9), NOW_SECONDS + 60, true);
    const current = written(store, 3, 'current').json;
    const older = written(store, 3, 'older').json;
    const repeated = written(store, 3, 'repeated').json;
    expect(written(store, 3, 'null').json['sequenceNumber']).toBeNull();
    expect('sequenceNumber' in written(store, 3, 'absent').json).toBe(false);
    expect(repeated['sequenceNumber']).toBe(older['sequenceNumber']);
    expect(repeated['sequenceNumber']).not.toBe(current['sequenceNumber']);
    expect([repeated['availability'], repeated['activity']]).toEqual([current['availability'], current['activity']]);
  });

  it('matches the one-presence string of the in-process API', () => {
    const store = storeOf(5);
    const id = userIdAt(4, 1);
    expect(JSON.parse(presenceJson(store, 4, id))).toEqual(written(store, 4, 'current').json);
  });

  it('writes PresenceUnknown for an id it cannot resolve', () => {
    const out = new ByteWriter(8);
    writeUnknownPresence(out, 'abc');
    expect(JSON.parse(out.finish().toString())).toEqual({
      id: 'abc',
      availability: 'PresenceUnknown',
      activity: 'PresenceUnknown',
      statusMessage: null,
      outOfOfficeSettings: { message: null, isOutOfOffice: false },
      sequenceNumber: null,
      workLocation: null,
    });
  });
});
