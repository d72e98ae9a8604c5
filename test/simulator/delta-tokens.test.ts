import { describe, expect, it } from 'vitest';
import { DeltaTokenCodec, type UsersDeltaState } from '../../src/simulator/delta-tokens.js';

const DAY = 24 * 3600 * 1000;

function usersState(issuedAtMs: number, generation = 0): UsersDeltaState {
  return {
    kind: 'users',
    phase: 'delta',
    version: 'v1.0',
    select: 'id,accountEnabled',
    issuedAtMs,
    generation,
    since: 12,
    until: 12,
    full: false,
    emptied: false,
    cursor: 0,
  };
}

describe('delta tokens', () => {
  it('carry the round state, URL-safe, and read back only as the kind they were issued for', () => {
    const codec = new DeltaTokenCodec(7 * DAY);
    const token = codec.encode(usersState(1000));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/);
    expect(codec.decode(token, 'users', 2000)).toEqual({ ok: true, state: usersState(1000) });
    expect(codec.decode(token, 'groups', 2000)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuse edited, invented or another simulator’s tokens', () => {
    const codec = new DeltaTokenCodec(7 * DAY);
    const token = codec.encode(usersState(1000));
    const [payload, mac] = token.split('.');
    const edited = Buffer.from(
      Buffer.from(payload ?? '', 'base64url')
        .toString('utf8')
        .replace('"since":12', '"since":0'),
    ).toString('base64url');
    for (const bad of [`${edited}.${mac ?? ''}`, 'abc', `${token}.x`, new DeltaTokenCodec(DAY).encode(usersState(1))]) {
      expect(codec.decode(bad, 'users', 2000)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('expire after their lifetime (delta rounds only) or when every earlier one is expired at once', () => {
    const codec = new DeltaTokenCodec(7 * DAY);
    const token = codec.encode(usersState(0));
    expect(codec.decode(token, 'users', 7 * DAY).ok).toBe(true);
    expect(codec.decode(token, 'users', 7 * DAY + 1)).toMatchObject({ ok: false, reason: 'expired' });
    const list = codec.encode({
      kind: 'list',
      version: 'beta',
      select: null,
      issuedAtMs: 0,
      generation: 0,
      group: 1,
      transitive: true,
      after: 5,
    });
    expect(codec.decode(list, 'list', 30 * DAY).ok).toBe(true);
    codec.expireAll();
    expect(codec.currentGeneration).toBe(1);
    expect(codec.decode(codec.encode(usersState(0, 1)), 'users', 1).ok).toBe(true);
    expect(codec.decode(token, 'users', 1)).toEqual({ ok: false, reason: 'expired', state: usersState(0) });
    expect(codec.decode(list, 'list', 1)).toMatchObject({ ok: false, reason: 'expired' });
  });
});
