import { describe, expect, it } from 'vitest';
import { formatEventJson, formatEventLine, formatTombstone, formatUndecodable } from '../../src/cli/event-view.js';
import { createRecordDecoder } from '../../src/cli/record-decoder.js';
import { buildPresenceEvent, createPresenceEventCodec, type PresenceChangeEvent } from '../../src/events/index.js';

const presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Busy',
  activity: 'InAMeeting',
  statusMessage: null,
  outOfOffice: null,
  workLocation: null,
  sequenceNumber: 'C0000001234',
};
const context = { tenantId: 't', shard: 'emea', connector: 'c', observedAt: Date.parse('2026-01-20T10:15:02.123Z') };

/** The record type of the Kafka reader, taken from the function so this test does not depend on where it lives. */
type TopicRecord = Parameters<typeof formatUndecodable>[0];

function record(value: Buffer, key: string | null = 'k'): TopicRecord {
  return { partition: 2, offset: '41', key, value, headers: {}, timestamp: 0 };
}

describe('event view', () => {
  const codec = createPresenceEventCodec();
  const change: PresenceChangeEvent = buildPresenceEvent(
    presence,
    { availability: 'Available', activity: 'Available', sequenceNumber: 'C1', observedAt: 0 },
    context,
    'e1',
  );

  it('prints one line per event with the transition', () => {
    expect(formatEventLine(change)).toBe(
      '2026-01-20T10:15:02.123Z  6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11  shard emea  CHANGE    Available/Available -> Busy/InAMeeting  seq C0000001234',
    );
    const snapshot = buildPresenceEvent({ ...presence, sequenceNumber: null }, undefined, context, 'e2');
    expect(formatEventLine(snapshot)).toMatch(/ {2}SNAPSHOT {2}Busy\/InAMeeting {2}seq -$/);
    const sameState = buildPresenceEvent(
      presence,
      { availability: 'Busy', activity: 'InAMeeting', sequenceNumber: 'C1', observedAt: 0 },
      context,
    );
    expect(formatEventLine(sameState)).toContain('Busy/InAMeeting -> Busy/InAMeeting (status message, out of office');
  });

  it('decodes what the codec wrote, and reports rather than throws for anything else', async () => {
    // The view's records come through tail's decoder (record-decoder.ts), plain Avro here.
    const decoder = createRecordDecoder(codec, undefined);
    const encoded = codec.encode(change);
    expect(await decoder.decode(record(encoded))).toEqual({ ok: true, event: change, value: { format: 'avro' } });
    expect(await decoder.decode(record(Buffer.alloc(0)))).toEqual({ ok: false, reason: 'the record has no value' });
    const garbage = await decoder.decode(record(Buffer.from('not avro')));
    expect(garbage.ok).toBe(false);
  });

  it('prints JSON with the position first, and names an undecodable record', () => {
    const json = JSON.parse(formatEventJson(change, { partition: 2, offset: '41' })) as Record<string, unknown>;
    expect(Object.keys(json).slice(0, 3)).toEqual(['partition', 'offset', 'eventId']);
    expect(json).toMatchObject({ partition: 2, offset: '41', userId: presence.id, kind: 'CHANGE' });
    expect(formatUndecodable(record(Buffer.from('xyz'), null), 'bad')).toBe(
      'skipped record at partition 2 offset 41 (no key, 3 bytes): cannot decode it as a presence event: bad',
    );
  });

  it('shows a table tombstone as the user leaving, for people and for tools', () => {
    const tombstone = record(Buffer.alloc(0), 'user-1');
    expect(formatTombstone(tombstone, 'human')).toBe(
      'user-1  tombstone: no current presence (left the watched set)  partition 2 offset 41',
    );
    expect(JSON.parse(formatTombstone(tombstone, 'json'))).toEqual({
      partition: 2,
      offset: '41',
      key: 'user-1',
      tombstone: true,
    });
  });

  it('prints a REMOVED event as the last presence going to PresenceUnknown', () => {
    const removed = {
      ...change,
      kind: 'REMOVED',
      availability: 'PresenceUnknown',
      activity: 'PresenceUnknown',
      sequenceNumber: null,
    };
    expect(formatEventLine(removed)).toContain(
      'REMOVED   Available/Available -> PresenceUnknown/PresenceUnknown  seq -',
    );
  });
});
