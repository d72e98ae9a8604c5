import { describe, expect, it } from 'vitest';
import { parsePresenceResponse } from '../../src/graph/index.js';

describe('parsePresenceResponse', () => {
  it('normalises Graph presences and keeps unknown values as sent', () => {
    const [presence] = parsePresenceResponse(
      JSON.stringify({
        value: [
          {
            id: 'ABC-1',
            availability: 'Focusing',
            activity: 'UrgentInterruptionsOnly',
            sequenceNumber: 'A1',
            statusMessage: {
              message: { content: 'hi', contentType: 'text' },
              expiryDateTime: { dateTime: '2026-01-01T00:00:00', timeZone: 'UTC' },
            },
            outOfOfficeSettings: { isOutOfOffice: true, message: 'gone' },
          },
        ],
      }),
    );
    expect(presence).toEqual({
      id: 'abc-1',
      availability: 'Focusing',
      activity: 'UrgentInterruptionsOnly',
      sequenceNumber: 'A1',
      statusMessage: {
        content: 'hi',
        contentType: 'text',
        publishedAt: null,
        expiresAt: '2026-01-01T00:00:00',
        expiresTimeZone: 'UTC',
      },
      outOfOffice: { isOutOfOffice: true, message: 'gone' },
      workLocation: null,
    });
  });

  it.each([['{"value": [ {"id": "x"'], ['{"values": []}'], ['{"value": [{"availability": "Busy"}]}'], ['<html>']])(
    'rejects %s as a bad response',
    (body) => {
      expect(() => parsePresenceResponse(body)).toThrow(expect.objectContaining({ code: 'GRAPH_BAD_RESPONSE' }));
    },
  );
});

describe('parsePresenceResponse: optional parts', () => {
  it('reads workLocation and a published status message, and treats absent or wrong-typed parts as null', () => {
    const presences = parsePresenceResponse(
      JSON.stringify({
        value: [
          {
            id: 'u-1',
            availability: 'Available',
            activity: 'Available',
            statusMessage: {
              message: { content: 'in', contentType: 'text' },
              publishedDateTime: '2026-01-01T08:00:00Z',
            },
            workLocation: { workLocationType: 'office', source: 'manual', placeId: null },
          },
          {
            id: 'u-2',
            availability: 'Away',
            activity: 'Away',
            sequenceNumber: 7,
            statusMessage: 'not an object',
            outOfOfficeSettings: { isOutOfOffice: 'yes' },
            workLocation: null,
          },
        ],
      }),
    );
    expect(presences[0]).toMatchObject({
      statusMessage: {
        content: 'in',
        contentType: 'text',
        publishedAt: '2026-01-01T08:00:00Z',
        expiresAt: null,
        expiresTimeZone: null,
      },
      workLocation: { workLocationType: 'office', source: 'manual', placeId: null },
      outOfOffice: null,
      sequenceNumber: null,
    });
    // A sequence number that is not a string is dropped rather than coerced; only a literal true is out of office.
    expect(presences[1]).toMatchObject({
      sequenceNumber: null,
      statusMessage: null,
      outOfOffice: { isOutOfOffice: false, message: null },
      workLocation: null,
    });
  });

  it('accepts an empty page', () => {
    expect(parsePresenceResponse('{"value": []}')).toEqual([]);
  });

  it.each([
    ['a value entry that is not an object', '{"value": [42]}', /value\[0\] is not an object/],
    ['an empty id', '{"value": [{"id": "", "availability": "Busy", "activity": "Busy"}]}', /value\[0\]\.id/],
    ['a missing activity', '{"value": [{"id": "a", "availability": "Busy"}]}', /value\[0\]\.activity/],
    ['a top-level array', '[]', /no "value" array/],
  ])('names the problem for %s', (_, body, message) => {
    expect(() => parsePresenceResponse(body)).toThrow(message);
  });
});
