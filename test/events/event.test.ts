import { describe, expect, it } from 'vitest';
import { buildPresenceEvent } from '../../src/events/index.js';

const presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Away',
  activity: 'Away',
  statusMessage: null,
  outOfOffice: { isOutOfOffice: true, message: 'Back Monday' },
  workLocation: { workLocationType: 'remote', source: 'manual', placeId: null },
  sequenceNumber: 'C2',
};
const context = { tenantId: 'contoso', shard: 'emea', connector: 'worker-1', observedAt: 2_000 };

describe('buildPresenceEvent', () => {
  it('makes a CHANGE carrying the previous observation', () => {
    const previous = { availability: 'Available', activity: 'Available', sequenceNumber: 'C1', observedAt: 1_000 };
    expect(buildPresenceEvent(presence, previous, context, 'id-1')).toEqual({
      eventId: 'id-1',
      kind: 'CHANGE',
      userId: presence.id,
      tenantId: 'contoso',
      shard: 'emea',
      availability: 'Away',
      activity: 'Away',
      statusMessage: null,
      outOfOffice: { isOutOfOffice: true, message: 'Back Monday' },
      workLocation: { workLocationType: 'remote', source: 'manual', placeId: null },
      sequenceNumber: 'C2',
      previousAvailability: 'Available',
      previousActivity: 'Available',
      previousSequenceNumber: 'C1',
      observedAt: 2_000,
      previousObservedAt: 1_000,
      connector: 'worker-1',
    });
  });

  it('makes a SNAPSHOT without previous fields, with a fresh event id each time', () => {
    const first = buildPresenceEvent(presence, undefined, context);
    const second = buildPresenceEvent(presence, undefined, context);
    expect(first).toMatchObject({
      kind: 'SNAPSHOT',
      previousAvailability: null,
      previousActivity: null,
      previousSequenceNumber: null,
      previousObservedAt: null,
    });
    expect(first.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.eventId).not.toBe(second.eventId);
  });
});
