import { describe, expect, it } from 'vitest';
import type { UserPresenceState } from '../../src/state/index.js';
import { createStateCodec } from '../../src/state/state-codec.js';
import { readPresenceState } from '../../src/state/state-reader.js';

const codec = createStateCodec();
const blank = (): UserPresenceState => ({
  sequenceNumber: null,
  availability: '',
  activity: '',
  observedAt: 0,
  fieldsHash: 0,
});

describe('readPresenceState', () => {
  it('reads what avsc writes, into the object it is given', () => {
    const states: UserPresenceState[] = [
      {
        sequenceNumber: 'C0000000002',
        availability: 'Busy',
        activity: 'InACall',
        observedAt: 1_700_000_000_000,
        fieldsHash: 2 ** 53 - 2,
      },
      { sequenceNumber: null, availability: 'Available', activity: 'Available', observedAt: 0, fieldsHash: 0 },
      {
        sequenceNumber: '',
        availability: 'Présent 🙂',
        activity: 'x'.repeat(200),
        observedAt: -5,
        fieldsHash: -(2 ** 40) + 1,
      },
      { sequenceNumber: '1', availability: 'A', activity: 'B', observedAt: 63, fieldsHash: 64 },
    ];
    const target = blank();
    for (const state of states) {
      expect(readPresenceState(codec.encode(state), target)).toBe(target);
      expect(target).toEqual(state);
      expect(target).toEqual(codec.decode(codec.encode(state)));
    }
  });

  it('refuses what avsc refuses: truncated, trailing bytes, an unknown union branch, a long beyond 2^53', () => {
    const value = codec.encode({
      sequenceNumber: 'C1',
      availability: 'Busy',
      activity: 'Busy',
      observedAt: 1,
      fieldsHash: 2,
    });
    const bad = [
      value.subarray(0, value.length - 1),
      value.subarray(0, 3),
      Buffer.concat([value, Buffer.from([0])]),
      Buffer.concat([Buffer.from([4]), value.subarray(1)]),
      // union null, then availability of length 2^60: a long beyond what a double holds exactly.
      Buffer.from([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]),
      Buffer.alloc(0),
    ];
    for (const bytes of bad) {
      expect(() => codec.decode(bytes), bytes.toString('hex')).toThrow();
      expect(() => readPresenceState(bytes, blank()), bytes.toString('hex')).toThrow();
    }
  });
});
