/**
 * Parsing of directory pages: lowercase ids, properties a page may leave out, an object repeated within a page,
 * removed users and members, and the shapes that must fail a page rather than add or remove the wrong people.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { pageOf, parseGroupDelta, parseGroupUsers, parseUsersDelta } from '../../src/directory/pages.js';

const A = 'AAAAAAAA-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const GROUP = 'cccccccc-0000-4000-8000-000000000003';
const NESTED = 'dddddddd-0000-4000-8000-000000000004';
const bad = expect.objectContaining({ code: ErrorCodes.GRAPH_BAD_RESPONSE, retriable: true });

describe('pageOf', () => {
  it('reads value and both links', () => {
    const page = pageOf({ '@odata.nextLink': 'https://g/next', value: [{ id: A }] }, 'usersDelta');
    expect(page).toEqual({ value: [{ id: A }], links: { nextLink: 'https://g/next', deltaLink: null } });
  });

  it.each([
    ['no value', { '@odata.deltaLink': 'https://g/d' }],
    ['value not an array', { value: {} }],
    ['a link that is no string', { value: [], '@odata.nextLink': 7 }],
    ['an array body', []],
  ])('fails a page with %s', (_, body) => {
    expect(() => pageOf(body, 'usersDelta')).toThrow(bad);
  });
});

describe('parseUsersDelta', () => {
  it('splits upserts from removals, lowercases ids and keeps Graph reasons', () => {
    const entries = parseUsersDelta(
      [
        { id: A, accountEnabled: true, userType: 'Member', displayName: 'ignored' },
        { id: B, '@removed': { reason: 'deleted' } },
      ],
      'usersDelta',
    );
    expect(entries).toEqual({
      upserted: [{ id: A.toLowerCase(), accountEnabled: true, userType: 'Member' }],
      removed: [{ id: B, reason: 'deleted' }],
    });
  });

  it('reports a property the entry did not carry as null, for the caller to keep what it knew', () => {
    const { upserted } = parseUsersDelta([{ id: B, accountEnabled: false }], 'usersDelta');
    expect(upserted).toEqual([{ id: B, accountEnabled: false, userType: null }]);
  });

  it('counts a user repeated in one page once: the later entry wins, keeping properties it left out', () => {
    const { upserted, removed } = parseUsersDelta(
      [
        { id: A, accountEnabled: true, userType: 'Guest' },
        { id: A.toLowerCase(), accountEnabled: false },
      ],
      'usersDelta',
    );
    expect(upserted).toEqual([{ id: A.toLowerCase(), accountEnabled: false, userType: 'Guest' }]);
    expect(removed).toEqual([]);
  });

  it('lets the later of a removal and an upsert of the same user win, either way round', () => {
    const restored = parseUsersDelta([{ id: B, '@removed': { reason: 'changed' } }, { id: B }], 'usersDelta');
    expect(restored).toEqual({ upserted: [{ id: B, accountEnabled: null, userType: null }], removed: [] });
    const deleted = parseUsersDelta(
      [
        { id: B, accountEnabled: true },
        { id: B, '@removed': {} },
      ],
      'usersDelta',
    );
    expect(deleted).toEqual({ upserted: [], removed: [{ id: B, reason: 'unknown' }] });
  });

  it.each([
    ['an entry that is no object', ['x']],
    ['an entry without id', [{ accountEnabled: true }]],
    ['an empty id', [{ id: '' }]],
  ])('fails the page on %s', (_, value) => {
    expect(() => parseUsersDelta(value, 'usersDelta')).toThrow(bad);
  });
});

describe('parseGroupUsers', () => {
  it('keeps users only, once each, with what the app may read of them', () => {
    const users = parseGroupUsers(
      [
        { id: A, accountEnabled: true, userType: 'Member' },
        // Without User.Read.All Graph sends a user's type and id only.
        { '@odata.type': '#microsoft.graph.user', id: B },
        { '@odata.type': '#microsoft.graph.group', id: NESTED },
        { id: A, accountEnabled: true, userType: 'Member' },
      ],
      'listGroupUsers',
    );
    expect(users).toEqual([
      { id: A.toLowerCase(), accountEnabled: true, userType: 'Member' },
      { id: B, accountEnabled: null, userType: null },
    ]);
  });
});

describe('parseGroupDelta', () => {
  it('reads members@delta of the watched group: users, nested groups, removals; other types left out', () => {
    const entries = parseGroupDelta(
      [
        {
          id: GROUP.toUpperCase(),
          'members@delta': [
            { '@odata.type': '#microsoft.graph.user', id: A },
            { '@odata.type': '#microsoft.graph.group', id: NESTED },
            { '@odata.type': '#microsoft.graph.user', id: B, '@removed': { reason: 'deleted' } },
            { '@odata.type': '#microsoft.graph.device', id: 'eeeeeeee-0000-4000-8000-000000000005' },
          ],
        },
      ],
      GROUP,
      'groupMembersDelta',
    );
    expect(entries).toEqual({
      groupSeen: true,
      groupRemoved: false,
      added: [
        { kind: 'user', id: A.toLowerCase() },
        { kind: 'group', id: NESTED },
      ],
      removed: [{ kind: 'user', id: B }],
    });
  });

  it('tells a group without members, a deleted group and a page without the group apart', () => {
    expect(parseGroupDelta([{ id: GROUP }], GROUP, 'g')).toMatchObject({ groupSeen: true, added: [], removed: [] });
    expect(parseGroupDelta([{ id: GROUP, '@removed': { reason: 'deleted' } }], GROUP, 'g')).toMatchObject({
      groupSeen: true,
      groupRemoved: true,
    });
    expect(parseGroupDelta([{ id: NESTED, 'members@delta': [] }], GROUP, 'g')).toMatchObject({ groupSeen: false });
  });

  it('counts a member once per page, the later entry deciding whether it joined or left', () => {
    const user = { '@odata.type': '#microsoft.graph.user', id: A };
    const entries = parseGroupDelta(
      [{ id: GROUP, 'members@delta': [user, { ...user, '@removed': { reason: 'deleted' } }] }],
      GROUP,
      'g',
    );
    expect(entries).toMatchObject({ added: [], removed: [{ kind: 'user', id: A.toLowerCase() }] });
  });

  it.each([
    ['members@delta not an array', { id: GROUP, 'members@delta': {} }],
    ['a member without @odata.type', { id: GROUP, 'members@delta': [{ id: A }] }],
    ['a member without id', { id: GROUP, 'members@delta': [{ '@odata.type': '#microsoft.graph.user' }] }],
  ])('fails the page on %s', (_, group) => {
    expect(() => parseGroupDelta([group], GROUP, 'g')).toThrow(bad);
  });
});
