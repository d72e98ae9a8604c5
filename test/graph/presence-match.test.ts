import { describe, expect, it } from 'vitest';
import type { Presence } from '../../src/graph/index.js';
import { matchRequested } from '../../src/graph/presence-match.js';

function presence(id: string): Presence {
  return {
    id,
    availability: 'Available',
    activity: 'Available',
    statusMessage: null,
    outOfOffice: null,
    workLocation: null,
    sequenceNumber: `C${id}`,
  };
}

/** What the client did before the walk, with two sets: the result must not change, whatever Graph answers. */
function withSets(presences: readonly Presence[], ids: readonly string[]) {
  const requested = new Set(ids);
  const returned = new Set(presences.map((entry) => entry.id));
  return {
    presences: presences.filter((entry) => requested.has(entry.id)),
    missingIds: ids.filter((id) => !returned.has(id)),
  };
}

function check(answered: readonly string[], asked: readonly string[]) {
  const result = matchRequested(answered.map(presence), asked);
  expect(result).toEqual(withSets(answered.map(presence), asked));
  return result;
}

describe('matchRequested', () => {
  it('keeps every presence of an answer in the order asked, with nothing missing', () => {
    const result = check(['a', 'b', 'c'], ['a', 'b', 'c']);
    expect(result.presences.map((entry) => entry.id)).toEqual(['a', 'b', 'c']);
    expect(result.missingIds).toEqual([]);
  });

  it('lists the ids left out of an answer in order, wherever they were', () => {
    expect(check(['b', 'd'], ['a', 'b', 'c', 'd', 'e']).missingIds).toEqual(['a', 'c', 'e']);
    expect(check([], ['a', 'b']).missingIds).toEqual(['a', 'b']);
  });

  it('answers in another order, with ids not asked for, and repeats as before', () => {
    check(['c', 'b', 'a'], ['a', 'b', 'c']);
    check(['a', 'x', 'b'], ['a', 'b', 'c']);
    check(['x'], ['a']);
    check(['a', 'a', 'b'], ['a', 'b']);
    check(['b', 'a', 'b'], ['a', 'b', 'c']);
    // An id asked twice and answered once is not missing; asked twice and answered twice, kept twice.
    check(['a'], ['a', 'a']);
    check(['a', 'b'], ['a', 'a', 'b']);
    check(['a', 'a'], ['a', 'a']);
    check(['a', 'c'], ['a', 'b', 'a', 'c']);
  });

  it('agrees with the set-based result for every answer drawn from a few ids', () => {
    const asked = ['a', 'b', 'c', 'b'];
    const pool = ['a', 'b', 'c', 'x'];
    // Every answer of up to 4 entries over the pool: 341 of them, orders, repeats and strangers included.
    const answers: string[][] = [[]];
    for (let length = 1; length <= 4; length++)
      for (const previous of answers.filter((answer) => answer.length === length - 1))
        for (const id of pool) answers.push([...previous, id]);
    for (const answer of answers) check(answer, asked);
    for (const answer of answers) check(answer, ['a', 'b', 'c']);
  });
});
