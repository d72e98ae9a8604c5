import { describe, expect, it } from 'vitest';
import type { Presence } from '../../src/graph/index.js';
import { decide, stateOf } from '../../src/state/index.js';

const base: Presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Available',
  activity: 'Available',
  statusMessage: null,
  outOfOffice: { isOutOfOffice: false, message: null },
  workLocation: null,
  sequenceNumber: 'C0129312363',
};

describe('decide', () => {
  it('publishes a user seen for the first time as a snapshot', () => {
    expect(decide(undefined, base)).toBe('snapshot');
  });

  it('orders by sequenceNumber as strings: equal is a duplicate, earlier is stale, later is a change', () => {
    const previous = stateOf(base, 1);
    expect(decide(previous, { ...base, availability: 'Busy' })).toBe('duplicate');
    expect(decide(previous, { ...base, sequenceNumber: 'C0129312362', availability: 'Busy' })).toBe('stale');
    expect(decide(previous, { ...base, sequenceNumber: 'C0129312364' })).toBe('change');
    // String order, not numeric: a later letter wins over more digits.
    expect(decide(previous, { ...base, sequenceNumber: 'D0' })).toBe('change');
    expect(decide(previous, { ...base, sequenceNumber: 'B9999999999' })).toBe('stale');
  });

  it('falls back to comparing fields when a sequenceNumber is missing on either side', () => {
    const withoutSequence = { ...base, sequenceNumber: null };
    const previous = stateOf(withoutSequence, 1);
    expect(decide(previous, withoutSequence)).toBe('duplicate');
    expect(decide(previous, { ...withoutSequence, availability: 'available' })).toBe('duplicate');
    expect(decide(previous, { ...withoutSequence, availability: 'Busy' })).toBe('change');
    expect(decide(previous, { ...withoutSequence, activity: 'InACall' })).toBe('change');
    expect(
      decide(previous, {
        ...withoutSequence,
        statusMessage: {
          content: 'at lunch',
          contentType: 'text',
          publishedAt: null,
          expiresAt: null,
          expiresTimeZone: null,
        },
      }),
    ).toBe('change');
    expect(decide(previous, { ...withoutSequence, outOfOffice: { isOutOfOffice: true, message: 'away' } })).toBe(
      'change',
    );
    expect(
      decide(previous, {
        ...withoutSequence,
        workLocation: { workLocationType: 'remote', source: 'manual', placeId: null },
      }),
    ).toBe('change');
    // previous had a sequenceNumber, the new one has none: fields decide.
    expect(decide(stateOf(base, 1), withoutSequence)).toBe('duplicate');
  });
});
