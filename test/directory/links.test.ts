/**
 * The URLs of the directory calls and the rule that protects the token: a link is followed only on Graph's own
 * origin, and a stored delta link only when it belongs to this host, API version and resource.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { DirectoryDeltaExpiredError } from '../../src/directory/failures.js';
import { DirectoryEndpoints, normaliseGroupId } from '../../src/directory/links.js';

const GROUP = '4f1c0a9e-aaaa-4bbb-8ccc-ddddeeeeffff';
const endpoints = new DirectoryEndpoints('https://graph.microsoft.com/', 'v1.0');
const context = { operation: 'usersDelta' } as const;

describe('first requests', () => {
  it('lists the users among a group transitive members, 999 a page, with the properties discovery needs', () => {
    const url = new URL(endpoints.groupUsers(GROUP));
    expect(url.pathname).toBe(`/v1.0/groups/${GROUP}/transitiveMembers/microsoft.graph.user`);
    expect(url.searchParams.get('$select')).toBe('id,accountEnabled,userType');
    expect(url.searchParams.get('$top')).toBe('999');
  });

  it('starts a users delta round with $select and no $top (delta ignores it)', () => {
    const url = new URL(endpoints.usersDelta());
    expect(url.pathname).toBe('/v1.0/users/delta');
    expect([...url.searchParams.keys()]).toEqual(['$select']);
  });

  it('filters group delta to one group and selects its members', () => {
    const url = new URL(endpoints.groupsDelta(GROUP));
    expect(url.pathname).toBe('/v1.0/groups/delta');
    expect(url.searchParams.get('$filter')).toBe(`id eq '${GROUP}'`);
    expect(url.searchParams.get('$select')).toBe('members');
  });
});

describe('group ids', () => {
  it('lowercases a GUID and refuses anything else before it reaches a path or a $filter', () => {
    expect(normaliseGroupId(GROUP.toUpperCase())).toBe(GROUP);
    expect(() => normaliseGroupId("x' or id ne '")).toThrow(RangeError);
    expect(() => normaliseGroupId(`${GROUP}/../../users`)).toThrow(RangeError);
  });
});

describe('links from responses', () => {
  it('follows a link on Graph own origin', () => {
    const next = 'https://graph.microsoft.com/v1.0/users/delta?$skiptoken=abc';
    expect(endpoints.followed(next, context)).toBe(next);
  });

  it.each(['https://evil.example/v1.0/users/delta?$skiptoken=abc', 'http://graph.microsoft.com/v1.0/x', 'not a url'])(
    'refuses %s, so the bearer token never leaves Graph',
    (link) => {
      expect(() => endpoints.followed(link, context)).toThrow(
        expect.objectContaining({ code: ErrorCodes.GRAPH_BAD_RESPONSE }),
      );
    },
  );
});

describe('stored delta links', () => {
  it.each([
    'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc',
    'https://graph.microsoft.com/v1.0/users/delta()?$deltatoken=abc',
    'https://graph.microsoft.com/v1.0/users/microsoft.graph.delta?$deltatoken=abc',
  ])('resumes from %s', (link) => {
    expect(endpoints.storedDeltaLink(link, 'users')).toBe(link);
  });

  it.each([
    ['another cloud', 'https://graph.microsoft.us/v1.0/users/delta?$deltatoken=abc'],
    ['another version', 'https://graph.microsoft.com/beta/users/delta?$deltatoken=abc'],
    ['another resource', 'https://graph.microsoft.com/v1.0/groups/delta?$deltatoken=abc'],
    ['no URL', 'garbage'],
  ])('asks for a full round for a link of %s, before any request', (_, link) => {
    let thrown: unknown;
    try {
      endpoints.storedDeltaLink(link, 'users');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DirectoryDeltaExpiredError);
    expect(thrown).toMatchObject({ reason: 'otherEndpoint' });
  });
});
