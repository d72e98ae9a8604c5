import { describe, expect, it } from 'vitest';
import { liveView } from '../../../scripts/demo/live-view.js';
import { createRecordDecoder } from '../../../src/cli/index.js';
import { buildPresenceEvent, createPresenceEventCodec, type PresenceChangeEvent } from '../../../src/events/index.js';
import type { TopicRecord } from '../../../src/kafka/index.js';

const codec = createPresenceEventCodec();
const observedAt = Date.parse('2026-11-27T12:03:41.118Z');

function record(event: PresenceChangeEvent, offset: number): TopicRecord {
  return {
    partition: 0,
    offset: String(offset),
    key: event.userId,
    value: codec.encode(event),
    headers: {},
    timestamp: 0,
  };
}

function presenceEvent(
  userId: string,
  shard: string,
  now: [string, string],
  before?: [string, string],
): PresenceChangeEvent {
  return buildPresenceEvent(
    {
      id: userId,
      availability: now[0],
      activity: now[1],
      statusMessage: null,
      outOfOffice: null,
      workLocation: null,
      sequenceNumber: 'C0000000004',
    },
    before === undefined
      ? undefined
      : { availability: before[0], activity: before[1], sequenceNumber: 'C0000000003', observedAt: 0 },
    { tenantId: 't', shard, connector: 'presence-demo', observedAt },
  );
}

describe('the demo live view', () => {
  it('prints each change in the columns, with the name, and counts snapshots instead of listing them', async () => {
    const printed: string[] = [];
    const said: string[] = [];
    const names: Record<string, string> = {
      '4f1c0a9e-0000-4000-8000-000000005be2': 'Omar Uddin',
      '9a07d1c3-0000-4000-8000-000000000c31': 'Maximiliane Konstantinopoulou-Vanderbilt',
    };
    const view = liveView({
      decoder: createRecordDecoder(codec, undefined),
      say: (message) => said.push(message),
      print: (line) => printed.push(line),
      warn: (line) => expect.unreachable(line),
      columns: () => 100,
      displayName: (userId) => names[userId] ?? '',
    });
    const events = [
      presenceEvent('4f1c0a9e-0000-4000-8000-000000005be2', 'amer', ['Available', 'Available']),
      presenceEvent('4f1c0a9e-0000-4000-8000-000000005be2', 'amer', ['Busy', 'InACall'], ['Available', 'Available']),
      presenceEvent(
        '9a07d1c3-0000-4000-8000-000000000c31',
        'benelux',
        ['DoNotDisturb', 'UrgentInterruptionsOnly'],
        ['BusyIfAvailableAndNotPresenting', 'InAConferenceCall'],
      ),
      presenceEvent('unknown-user-id-of-some-length', 'emea', ['Away', 'Away'], ['Offline', 'OffWork']),
    ];
    events.forEach((event, offset) => view.onRecord(record(event, offset)));
    await view.settled();
    expect(printed).toEqual([
      '12:03:41  4f1c0a9e…  Omar Uddin        amer      CHANGE    Available -> Busy/InACall',
      '12:03:41  9a07d1c3…  Maximiliane Kon…  benelux   CHANGE    BusyIfAvailableAndNotPresenting/InAConfe…',
      '12:03:41  unknown-…                    emea      CHANGE    Offline/OffWork -> Away',
    ]);
    for (const line of printed) expect(Array.from(line).length).toBeLessThanOrEqual(100);
    expect(view.changes()).toBe(3);
    expect(said).toEqual([
      'event values are plain Avro (no schema registry; npm run demo -- --registry adds one)',
      '1 SNAPSHOT events (first observation of each user) published; counted, not listed',
      'each line: time (UTC), user id and name, shard, kind, availability/activity',
    ]);
  });

  it('says what it cannot decode, and goes on', async () => {
    const warned: string[] = [];
    const printed: string[] = [];
    const view = liveView({
      decoder: createRecordDecoder(codec, undefined),
      say: () => undefined,
      print: (line) => printed.push(line),
      warn: (line) => warned.push(line),
      columns: () => 80,
    });
    view.onRecord({ partition: 1, offset: '7', key: 'k', value: Buffer.from('not avro'), headers: {}, timestamp: 0 });
    view.onRecord(record(presenceEvent('u1', 'emea', ['Away', 'Away'], ['Busy', 'Busy']), 8));
    await view.settled();
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/^skipped record at partition 1 offset 7 /);
    expect(printed).toEqual(['12:03:41  u1         emea      CHANGE    Busy -> Away']);
  });
});
