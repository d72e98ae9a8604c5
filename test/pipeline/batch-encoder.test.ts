import { describe, expect, it } from 'vitest';
import { createPresenceEventCodec } from '../../src/events/index.js';
import type { Presence } from '../../src/graph/index.js';
import { createBatchEncoder } from '../../src/pipeline/batch-encoder.js';
import {
  createStateCodec,
  dedupBatch,
  PresenceStateStore,
  stateOf,
  type UserPresenceState,
} from '../../src/state/index.js';

const alice = '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11';
const bob = '0f1e2d3c-4b5a-4968-8776-655443322110';

function presence(id: string, overrides: Partial<Presence> = {}): Presence {
  return {
    id,
    availability: 'Available',
    activity: 'Available',
    statusMessage: null,
    outOfOffice: { isOutOfOffice: false, message: null },
    workLocation: null,
    sequenceNumber: 'C0000000005',
    ...overrides,
  };
}

describe('the batch encoder', () => {
  const codec = createPresenceEventCodec();
  const stateCodec = createStateCodec();
  const encodeBatch = createBatchEncoder({
    tenantId: 'contoso',
    connectorName: 'presence-test',
    headers: 'cloudevents',
    codec,
    stateCodec,
  });

  const acknowledgedBob: UserPresenceState = stateOf(
    presence(bob, { availability: 'Away', activity: 'Away', sequenceNumber: 'C0000000002' }),
    1_000,
  );
  const store = new PresenceStateStore([alice, bob]);
  store.commit(bob, acknowledgedBob);
  const aliceFirst = presence(alice, { sequenceNumber: 'C0000000005' });
  const aliceLater = presence(alice, { sequenceNumber: 'C0000000006', availability: 'Busy', activity: 'InACall' });
  const bobNow = presence(bob, {
    availability: 'Busy',
    activity: 'InAMeeting',
    sequenceNumber: 'C0000000003',
    statusMessage: {
      content: 'Focus time',
      contentType: 'text',
      publishedAt: '2026-01-01T10:00:00Z',
      expiresAt: null,
      expiresTimeZone: null,
    },
  });
  const dedup = dedupBatch([aliceFirst, bobNow, aliceLater], store, 2_000);
  const batch = encodeBatch('emea', dedup);
  const events = batch.events.map((record) => ({ record, event: codec.decode(present(record.value)) }));

  it('names the shard and encodes one event per accepted presence, keyed by user id, in order', () => {
    expect(batch.shard).toBe('emea');
    expect(events.map(({ record }) => record.key)).toEqual([alice, bob, alice]);
    expect(events.map(({ event }) => event.userId)).toEqual([alice, bob, alice]);
    for (const { event } of events) {
      expect(event).toMatchObject({
        tenantId: 'contoso',
        shard: 'emea',
        connector: 'presence-test',
        observedAt: 2_000,
      });
    }
  });

  it('encodes a first sight as a SNAPSHOT with null previous fields', () => {
    expect(events[0]?.event).toMatchObject({
      kind: 'SNAPSHOT',
      availability: 'Available',
      activity: 'Available',
      sequenceNumber: 'C0000000005',
      previousAvailability: null,
      previousActivity: null,
      previousSequenceNumber: null,
      previousObservedAt: null,
    });
  });

  it('encodes a change against the acknowledged state with its previous fields', () => {
    expect(events[1]?.event).toMatchObject({
      kind: 'CHANGE',
      availability: 'Busy',
      activity: 'InAMeeting',
      sequenceNumber: 'C0000000003',
      statusMessage: bobNow.statusMessage,
      previousAvailability: 'Away',
      previousActivity: 'Away',
      previousSequenceNumber: 'C0000000002',
      previousObservedAt: 1_000,
    });
  });

  it('encodes a repeat within the batch as a change against the earlier entry', () => {
    expect(events[2]?.event).toMatchObject({
      kind: 'CHANGE',
      availability: 'Busy',
      activity: 'InACall',
      sequenceNumber: 'C0000000006',
      previousAvailability: 'Available',
      previousActivity: 'Available',
      previousSequenceNumber: 'C0000000005',
      previousObservedAt: 2_000,
    });
  });

  it('puts the CloudEvents headers on every event, with a unique id', () => {
    const ids = new Set<string>();
    for (const { record, event } of events) {
      expect(record.headers).toEqual({
        ce_specversion: '1.0',
        ce_id: event.eventId,
        ce_source: '/connectors/presence-test',
        ce_type: `io.github.presenceconnector.presence.${event.kind.toLowerCase()}`,
        ce_time: new Date(2_000).toISOString(),
        ce_subject: event.userId,
        'content-type': 'application/avro',
      });
      ids.add(event.eventId);
    }
    expect(ids.size).toBe(events.length);
    expect(events.map(({ record }) => record.headers?.ce_type)).toEqual([
      'io.github.presenceconnector.presence.snapshot',
      'io.github.presenceconnector.presence.change',
      'io.github.presenceconnector.presence.change',
    ]);
  });

  it('follows kafka.headers: cloudevents when left out, minimal, none', () => {
    const build = (headers?: 'minimal' | 'none') =>
      createBatchEncoder({
        tenantId: 'contoso',
        connectorName: 'presence-test',
        codec,
        stateCodec,
        ...(headers === undefined ? {} : { headers }),
      })('emea', dedup).events;
    expect(build()[0]?.headers?.ce_specversion).toBe('1.0');
    const minimal = build('minimal');
    expect(minimal.map((record) => Object.keys(record.headers ?? {}))).toEqual([
      ['ce_id', 'ce_type'],
      ['ce_id', 'ce_type'],
      ['ce_id', 'ce_type'],
    ]);
    expect(minimal[1]?.headers?.ce_type).toBe('io.github.presenceconnector.presence.change');
    for (const record of build('none')) expect(record.headers).toBeUndefined();
  });

  it('writes one state record per user, keyed by shard and user, decoding to the next state', () => {
    expect(batch.state.map((record) => record.key)).toEqual([
      stateCodec.key('emea', alice),
      stateCodec.key('emea', bob),
    ]);
    expect(batch.state.map((record) => record.key)).toEqual([`emea/${alice}`, `emea/${bob}`]);
    for (const record of batch.state) {
      expect(record.headers).toBeUndefined();
      const parsed = stateCodec.parseKey(record.key);
      expect(parsed?.shard).toBe('emea');
      expect(stateCodec.decode(present(record.value))).toEqual(dedup.nextStates.get(parsed?.userId ?? ''));
    }
    // Alice's state is her last presence of the batch, not the first.
    expect(stateCodec.decode(batch.state[0]?.value ?? Buffer.alloc(0))).toEqual(stateOf(aliceLater, 2_000));
  });

  it('encodes nothing for a batch that dedup emptied', () => {
    const empty = encodeBatch('apac', dedupBatch([presence(bob, { sequenceNumber: 'C0000000002' })], store, 3));
    expect(empty).toEqual({ shard: 'apac', events: [], state: [] });
  });
});

/** A record value that must not be a tombstone here. */
function present(value: Buffer | null): Buffer {
  if (value === null) throw new Error('unexpected tombstone');
  return value;
}
