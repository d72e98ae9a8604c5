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

  describe("compact line (the demo's live view)", () => {
    /** Terminal columns, counted independently of the code under test: wide CJK characters take two. */
    const columnsOf = (line: string): number =>
      Array.from(line).reduce((sum, char) => sum + (/[\u3040-\u30ff\u4e00-\u9fff]/u.test(char) ? 2 : 1), 0);

    it('shows time of day, short id, name, shard, kind and the transition in fixed columns', () => {
      const lines = [
        formatEventLine(change, { columns: 100, displayName: 'Omar Uddin' }),
        formatEventLine(
          { ...change, userId: 'ffffffff-0000-4c55-9a57-0c7a1f2d9e11', shard: 'nordics' },
          {
            columns: 100,
            displayName: 'Zoë Schmidt-Löwenherz von Hohenstein',
          },
        ),
      ];
      expect(lines[0]).toBe('10:15:02  6e2b5a0f…  Omar Uddin        emea      CHANGE    Available -> Busy/InAMeeting');
      expect(lines[1]).toBe('10:15:02  ffffffff…  Zoë Schmidt-Löw…  nordics   CHANGE    Available -> Busy/InAMeeting');
      // Fixed columns: the transition starts at the same place whatever the name and shard.
      expect(new Set(lines.map((line) => line.indexOf('Available')))).toEqual(new Set([59]));
      expect(formatEventLine(change, { columns: 100 })).toBe(
        '10:15:02  6e2b5a0f…  emea      CHANGE    Available -> Busy/InAMeeting',
      );
    });

    it('fits every line in the columns for long ids, names, shards, kinds and activities', () => {
      const long = {
        ...change,
        userId: `${'x'.repeat(200)}`,
        shard: 'a-shard-name-far-longer-than-its-column',
        kind: 'A_KIND_FROM_A_NEWER_WRITER',
        availability: 'PresenceUnknown',
        activity: 'UrgentInterruptionsOnly',
        previousAvailability: 'DoNotDisturb',
        previousActivity: 'InAConferenceCallWithAnActivityNameNobodyExpected',
      };
      const names = [
        undefined,
        '',
        'Omar Uddin',
        'A'.repeat(300),
        '山田太郎山田太郎山田太郎',
        `Bad${String.fromCharCode(0x1b)}[2Jname`,
      ];
      for (const columns of [100, 80]) {
        for (const displayName of names) {
          const line = formatEventLine(long, { columns, ...(displayName === undefined ? {} : { displayName }) });
          expect(columnsOf(line), line).toBeLessThanOrEqual(columns);
          expect(line).not.toContain(String.fromCharCode(0x1b));
          expect(line.endsWith('…'), line).toBe(true);
        }
      }
      expect(formatEventLine(long, { columns: 100 })).toContain('  A_KIND_…  DoNotDisturb/InAConferenceCall');
    });

    it('writes a state once when availability and activity agree, and a snapshot or removal as such', () => {
      const snapshot = buildPresenceEvent({ ...presence, availability: 'Away', activity: 'Away' }, undefined, context);
      expect(formatEventLine(snapshot, { columns: 100 })).toMatch(/ {2}SNAPSHOT {2}Away$/);
      const sameState = buildPresenceEvent(
        presence,
        { availability: 'Busy', activity: 'InAMeeting', sequenceNumber: 'C1', observedAt: 0 },
        context,
      );
      // The event has no previous status message, out of office or work location to show: only that one changed.
      expect(formatEventLine(sameState, { columns: 100, displayName: 'Omar Uddin' })).toMatch(
        / {2}Busy\/InAMeeting \(status details changed\)$/,
      );
      const removed = { ...change, kind: 'REMOVED', availability: 'PresenceUnknown', activity: 'PresenceUnknown' };
      expect(formatEventLine(removed, { columns: 100 })).toMatch(/ {2}REMOVED {3}Available -> PresenceUnknown$/);
    });
  });
});
