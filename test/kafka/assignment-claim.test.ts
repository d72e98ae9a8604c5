import { describe, expect, it } from 'vitest';
import { decodeClaim, encodeClaim, OwnClaim } from '../../src/kafka/assignment-claim.js';

describe('the claim codec', () => {
  it('round-trips a claim', () => {
    const claim = { owned: { 'c.shards': [0, 4] }, generation: 12 };
    expect(decodeClaim(encodeClaim(claim))).toEqual(claim);
  });

  it('reads anything it cannot understand as no claim, and keeps what it understands of a later version', () => {
    const none = { owned: {}, generation: -1 };
    expect(decodeClaim(undefined)).toEqual(none);
    expect(decodeClaim(Buffer.alloc(0))).toEqual(none);
    expect(decodeClaim(Buffer.from('\u0000\u0001binary'))).toEqual(none);
    expect(decodeClaim(Buffer.from('null'))).toEqual(none);
    expect(decodeClaim(Buffer.from('{"owned":3}'))).toEqual(none);
    const later = { v: 2, owned: { t: [1, 'x', 2.5, 3] }, generation: 'soon', weights: [1] };
    expect(decodeClaim(Buffer.from(JSON.stringify(later)))).toEqual({ owned: { t: [1, 3] }, generation: -1 });
  });
});

describe('OwnClaim', () => {
  function clock(): { now: () => number; advance: (ms: number) => void } {
    let time = 1_000;
    return { now: () => time, advance: (ms) => void (time += ms) };
  }

  it('claims nothing before its first assignment', () => {
    expect(new OwnClaim(6_000).current()).toEqual({ owned: {}, generation: -1 });
  });

  it('claims what it was assigned, in the generation its next heartbeat confirms', () => {
    const time = clock();
    const claim = new OwnClaim(6_000, time.now);
    claim.assigned('m-1', { t: [2, 5] });
    expect(claim.current()).toEqual({ owned: { t: [2, 5] }, generation: -1 });
    claim.confirmed('m-0', 9); // another member id: a heartbeat from before this member rejoined
    expect(claim.current().generation).toBe(-1);
    claim.confirmed('m-1', 9);
    expect(claim.current()).toEqual({ owned: { t: [2, 5] }, generation: 9 });
    claim.assigned('m-1', { t: [2] });
    expect(claim.current()).toEqual({ owned: { t: [2] }, generation: -1 });
  });

  it('gives its claim up once no heartbeat has confirmed it for a session timeout: it was expelled', () => {
    const time = clock();
    const claim = new OwnClaim(6_000, time.now);
    claim.assigned('m-1', { t: [1] });
    claim.confirmed('m-1', 3);
    time.advance(6_000);
    expect(claim.current().owned).toEqual({ t: [1] });
    time.advance(1);
    expect(claim.current()).toEqual({ owned: {}, generation: -1 });
    claim.confirmed('m-1', 3);
    expect(claim.current().owned).toEqual({ t: [1] });
  });

  it('keeps its own copy of the assignment', () => {
    const owned = { t: [1] };
    const claim = new OwnClaim(6_000);
    claim.assigned('m', owned);
    owned.t.push(2);
    expect(claim.current().owned).toEqual({ t: [1] });
  });
});
