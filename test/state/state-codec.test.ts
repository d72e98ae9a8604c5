import { describe, expect, it } from 'vitest';
import type { UserPresenceState } from '../../src/state/index.js';
import { createStateCodec } from '../../src/state/state-codec.js';

describe('state codec', () => {
  const codec = createStateCodec();

  it('keys a state by shard and user, and splits such keys back', () => {
    expect(codec.key('emea', 'u-1')).toBe('emea/u-1');
    expect(codec.parseKey('emea/u-1')).toEqual({ shard: 'emea', userId: 'u-1' });
    // The user id may not contain a slash, but the split is at the first one either way.
    expect(codec.parseKey('emea/a/b')).toEqual({ shard: 'emea', userId: 'a/b' });
    for (const foreign of ['', 'no-slash', '/u-1', 'emea/']) expect(codec.parseKey(foreign), foreign).toBeUndefined();
  });

  it('round-trips a state through Avro', () => {
    const state: UserPresenceState = {
      availability: 'Busy',
      activity: 'InACall',
      sequenceNumber: 'C0000000002',
      observedAt: 1_700_000_000_000,
      // Near the top of the 53-bit hash range: the value must survive the Avro long (avsc takes up to 2^53 - 2).
      fieldsHash: 2 ** 53 - 2,
    };
    expect(codec.decode(codec.encode(state))).toEqual(state);
    const withoutSequence = { ...state, sequenceNumber: null, fieldsHash: 0 };
    expect(codec.decode(codec.encode(withoutSequence))).toEqual(withoutSequence);
    expect(() => codec.decode(Buffer.from([0xff]))).toThrow();
  });
});

describe('state codec decodeInto', () => {
  it('decodes into the object it is given, the same state decode gives', () => {
    const codec = createStateCodec();
    const state: UserPresenceState = {
      availability: 'Away',
      activity: 'Away',
      sequenceNumber: 'C9',
      observedAt: 5,
      fieldsHash: 7,
    };
    const target: UserPresenceState = {
      availability: '',
      activity: '',
      sequenceNumber: null,
      observedAt: 0,
      fieldsHash: 0,
    };
    expect(codec.decodeInto(codec.encode(state), target)).toBe(target);
    expect(target).toEqual(codec.decode(codec.encode(state)));
    expect(() => codec.decodeInto(Buffer.from([0xff]), target)).toThrow();
  });
});
