import { describe, expect, it } from 'vitest';
import type { Presence } from '../../src/graph/index.js';
import { presenceFieldsHash } from '../../src/state/index.js';

/**
 * The hash as versions up to 0.x computed it (JSON.stringify, then cyrb53 over the text): its values are in the
 * state topics of running connectors, so the streaming hash must give the very same numbers.
 */
function storedHash(presence: Presence): number {
  const text = JSON.stringify([
    presence.availability.toLowerCase(),
    presence.activity.toLowerCase(),
    presence.statusMessage,
    presence.outOfOffice,
    presence.workLocation,
  ]);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

const base: Presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Available',
  activity: 'Available',
  statusMessage: null,
  outOfOffice: { isOutOfOffice: false, message: null },
  workLocation: null,
  sequenceNumber: 'C0129312363',
};

/** Every kind of code unit JSON.stringify treats apart: escapes, controls, surrogates, case that is not ASCII. */
const UNITS = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '/',
  '\b',
  '\t',
  '\n',
  '\f',
  '\r',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u2028',
  'é',
  'É',
  'İ',
  'Σ',
  'ẞ',
  'ß',
  '🌴',
  '\ud83c',
  '\udf34',
  '中',
];

/** A deterministic generator, so a failure names a seed that reproduces it. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

function randomText(random: () => number): string {
  const length = Math.floor(random() * 12);
  let text = '';
  for (let i = 0; i < length; i++) text += UNITS[Math.floor(random() * UNITS.length)] ?? '';
  return text;
}

function maybe(random: () => number): string | null {
  return random() < 0.25 ? null : randomText(random);
}

function randomPresence(random: () => number): Presence {
  return {
    ...base,
    availability: randomText(random),
    activity: randomText(random),
    statusMessage:
      random() < 0.3
        ? null
        : {
            content: maybe(random),
            contentType: maybe(random),
            publishedAt: maybe(random),
            expiresAt: maybe(random),
            expiresTimeZone: maybe(random),
          },
    outOfOffice: random() < 0.3 ? null : { isOutOfOffice: random() < 0.5, message: maybe(random) },
    workLocation:
      random() < 0.3 ? null : { workLocationType: maybe(random), source: maybe(random), placeId: maybe(random) },
  };
}

describe('presenceFieldsHash', () => {
  it('equals the hash earlier versions stored, for a plain presence and for every field set', () => {
    expect(presenceFieldsHash(base)).toBe(storedHash(base));
    const full: Presence = {
      ...base,
      availability: 'BusyIdle',
      activity: 'InAConferenceCall',
      statusMessage: {
        content: 'Back at 2 🌴 "quoted" \\ path\nnext line',
        contentType: 'text',
        publishedAt: '2026-01-01T10:00:00.0000000Z',
        expiresAt: '2026-01-02T10:00:00.0000000',
        expiresTimeZone: 'UTC',
      },
      outOfOffice: { isOutOfOffice: true, message: '<p>Out until Monday</p>' },
      workLocation: { workLocationType: 'office', source: 'manual', placeId: 'b7b1d1a4-0000-4000-8000-000000000001' },
    };
    expect(presenceFieldsHash(full)).toBe(storedHash(full));
    expect(presenceFieldsHash({ ...full, statusMessage: null, outOfOffice: null, workLocation: null })).toBe(
      storedHash({ ...full, statusMessage: null, outOfOffice: null, workLocation: null }),
    );
  });

  it('equals the stored hash for escapes, control characters, lone surrogates and non-ASCII case', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const presence = randomPresence(lcg(seed));
      expect({ seed, hash: presenceFieldsHash(presence) }).toEqual({ seed, hash: storedHash(presence) });
    }
  });

  it('ignores the case of availability and activity, and nothing else', () => {
    const hash = presenceFieldsHash(base);
    expect(presenceFieldsHash({ ...base, availability: 'AVAILABLE', activity: 'available' })).toBe(hash);
    expect(presenceFieldsHash({ ...base, availability: 'Away' })).not.toBe(hash);
    expect(presenceFieldsHash({ ...base, outOfOffice: { isOutOfOffice: false, message: 'x' } })).not.toBe(hash);
    expect(presenceFieldsHash({ ...base, outOfOffice: { isOutOfOffice: true, message: null } })).not.toBe(hash);
    expect(presenceFieldsHash({ ...base, outOfOffice: null })).not.toBe(hash);
  });

  it('is a 53-bit non-negative integer', () => {
    const hash = presenceFieldsHash(base);
    expect(Number.isSafeInteger(hash)).toBe(true);
    expect(hash).toBeGreaterThanOrEqual(0);
  });
});
