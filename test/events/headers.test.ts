import { describe, expect, it } from 'vitest';
import { buildPresenceEvent, createEventHeaderBuilder, type PresenceChangeEvent } from '../../src/events/index.js';
import type { Presence } from '../../src/graph/index.js';

const presence: Presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Busy',
  activity: 'InACall',
  statusMessage: null,
  outOfOffice: null,
  workLocation: null,
  sequenceNumber: 'C0000000002',
};
const observedAt = Date.UTC(2026, 0, 20, 10, 15, 2, 123);
const context = { tenantId: 'contoso', shard: 'emea', connector: 'presence-eu', observedAt };
const previous = { availability: 'Away', activity: 'Away', sequenceNumber: 'C0000000001', observedAt: 1_000 };

function events(): { snapshot: PresenceChangeEvent; change: PresenceChangeEvent } {
  return {
    snapshot: buildPresenceEvent(presence, undefined, context, 'id-snapshot'),
    change: buildPresenceEvent(presence, previous, context, 'id-change'),
  };
}

describe('event headers', () => {
  it('cloudevents: the binary-mode attributes of the CloudEvents Kafka binding, raw Avro by default', () => {
    const headersOf = createEventHeaderBuilder({ mode: 'cloudevents', connectorName: 'presence-eu' });
    const { snapshot, change } = events();
    expect(headersOf(snapshot)).toEqual({
      ce_specversion: '1.0',
      ce_id: 'id-snapshot',
      ce_source: '/connectors/presence-eu',
      ce_type: 'io.github.presenceconnector.presence.snapshot',
      ce_time: '2026-01-20T10:15:02.123Z',
      ce_subject: presence.id,
      'content-type': 'application/avro',
    });
    expect(headersOf(change)).toEqual({
      ce_specversion: '1.0',
      ce_id: 'id-change',
      ce_source: '/connectors/presence-eu',
      ce_type: 'io.github.presenceconnector.presence.change',
      ce_time: '2026-01-20T10:15:02.123Z',
      ce_subject: presence.id,
      'content-type': 'application/avro',
    });
  });

  it('cloudevents: takes the content type of the value as a parameter (registry framing)', () => {
    const contentType = 'application/vnd.apache.avro+binary; schema-id=7';
    const headersOf = createEventHeaderBuilder({ mode: 'cloudevents', connectorName: 'c', contentType });
    expect(headersOf(events().change)?.['content-type']).toBe(contentType);
  });

  it('cloudevents: ce_time follows each event, also when consecutive events differ', () => {
    const headersOf = createEventHeaderBuilder({ mode: 'cloudevents', connectorName: 'c' });
    const times = [observedAt, observedAt, 0, observedAt + 1].map(
      (at) => headersOf(buildPresenceEvent(presence, undefined, { ...context, observedAt: at }))?.ce_time,
    );
    expect(times).toEqual([
      '2026-01-20T10:15:02.123Z',
      '2026-01-20T10:15:02.123Z',
      '1970-01-01T00:00:00.000Z',
      '2026-01-20T10:15:02.124Z',
    ]);
  });

  it('minimal: only ce_id and ce_type, enough to tell a resent record apart and route by kind', () => {
    const headersOf = createEventHeaderBuilder({ mode: 'minimal', connectorName: 'presence-eu' });
    const { snapshot, change } = events();
    expect(headersOf(snapshot)).toEqual({
      ce_id: 'id-snapshot',
      ce_type: 'io.github.presenceconnector.presence.snapshot',
    });
    expect(headersOf(change)).toEqual({ ce_id: 'id-change', ce_type: 'io.github.presenceconnector.presence.change' });
  });

  it('none: no header section at all', () => {
    const headersOf = createEventHeaderBuilder({ mode: 'none', connectorName: 'presence-eu' });
    expect(headersOf(events().change)).toBeUndefined();
  });

  it('gives every event its own header object, so a later event cannot change an earlier record', () => {
    const headersOf = createEventHeaderBuilder({ mode: 'cloudevents', connectorName: 'c' });
    const { snapshot, change } = events();
    const first = headersOf(snapshot);
    const second = headersOf(change);
    expect(first).not.toBe(second);
    expect(first?.ce_id).toBe('id-snapshot');
  });
});
