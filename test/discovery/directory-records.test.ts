import { describe, expect, it } from 'vitest';
import { DirectoryRecordCodec, USERS_DELTA_LINK_KEY, type DirectoryRecord } from '../../src/discovery/index.js';
import { IN_TENANT, withAttributes, WatchRule } from '../../src/discovery/directory-entry.js';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { GROUP_A, GROUP_B, GROUP_C, group, guid, tenant, valueOf } from './support.js';

const rule = new WatchRule([tenant(), group(GROUP_A), group(GROUP_B)]);
const codec = new DirectoryRecordCodec(rule);
const bitA = rule.bitOfGroup(GROUP_A) ?? 0;
const bitB = rule.bitOfGroup(GROUP_B) ?? 0;
const user = guid(1);

function json(key: string, text: string): DirectoryRecord {
  return { key, value: Buffer.from(text, 'utf8') };
}

describe('DirectoryRecordCodec', () => {
  it.each([
    ['a tenant member, attributes known', withAttributes(IN_TENANT, { accountEnabled: true, userType: 'Member' })],
    ['a disabled guest', withAttributes(IN_TENANT, { accountEnabled: false, userType: 'Guest' })],
    ['groups only, attributes unknown', bitA | bitB],
    [
      'tenant and one group, enabled known, type unknown',
      withAttributes(IN_TENANT | bitB, { accountEnabled: true, userType: null }),
    ],
  ])('decodes what it encodes: %s', (_name, entry) => {
    const record = codec.user(user, entry);
    expect(record.key).toBe(user);
    expect(codec.decode(record, '7')).toEqual({ kind: 'user', userId: user, entry });
  });

  it('writes readable JSON that names groups by id and leaves out what Graph never said', () => {
    const entry = withAttributes(IN_TENANT | bitB, { accountEnabled: false, userType: 'Guest' });
    expect(valueOf(codec.user(user, entry))).toEqual({ tenant: true, groups: [GROUP_B], enabled: false, guest: true });
    expect(valueOf(codec.user(user, bitA))).toEqual({ groups: [GROUP_A] });
  });

  it('writes a forgotten user as a tombstone, and reads a tombstone as no entry', () => {
    const record = codec.user(user, undefined);
    expect(record).toEqual({ key: user, value: null });
    expect(codec.decode(record, '3')).toEqual({ kind: 'user', userId: user, entry: undefined });
  });

  it('keeps the users delta link under its reserved key; a tombstone there means no link', () => {
    const link = 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc';
    const record = codec.deltaLink(link);
    expect(record.key).toBe(USERS_DELTA_LINK_KEY);
    expect(codec.decode(record, '9')).toEqual({ kind: 'deltaLink', link });
    expect(codec.deltaLink(undefined).value).toBeNull();
    expect(codec.decode(codec.deltaLink(undefined), '10')).toEqual({ kind: 'deltaLink', link: undefined });
  });

  it('passes over other reserved keys without reading their value', () => {
    expect(codec.decode(json('!something/else', 'not json'), '4')).toEqual({ kind: 'other' });
  });

  it('drops a group the config no longer has, and finds the others by id whatever their new bit', () => {
    const written = codec.user(user, withAttributes(bitA | bitB, { accountEnabled: true, userType: null }));
    // B is now the first group (its bit changed); A is gone; C is new.
    const laterRule = new WatchRule([group(GROUP_C), group(GROUP_B)]);
    const decoded = new DirectoryRecordCodec(laterRule).decode(written, '5');
    const expected = withAttributes(laterRule.bitOfGroup(GROUP_B) ?? 0, { accountEnabled: true, userType: null });
    expect(decoded).toEqual({ kind: 'user', userId: user, entry: expected });

    const onlyA = new DirectoryRecordCodec(laterRule).decode(codec.user(user, bitA), '6');
    expect(onlyA.kind === 'user' && laterRule.configuredSources(onlyA.entry ?? -1)).toBe(0);
  });

  it.each([
    ['not JSON', '{"tenant":', /is not JSON/],
    ['a JSON array', '[true]', /is not a JSON object/],
    ['JSON null', 'null', /is not a JSON object/],
    ['a tenant that is a string', '{"tenant":"yes"}', /"tenant" that is not true or false/],
    ['an enabled that is a number', '{"tenant":true,"enabled":1}', /"enabled" that is not true or false/],
    ['a guest that is null', '{"tenant":true,"guest":null}', /"guest" that is not true or false/],
    ['groups that are a string', `{"groups":"${GROUP_A}"}`, /"groups" that is not a list of ids/],
    ['groups holding a number', '{"groups":[1]}', /"groups" that is not a list of ids/],
  ])('fails on a user value that is %s, naming key and offset', (_name, text, message) => {
    let thrown: unknown;
    try {
      codec.decode(json(user, text), '42');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConnectorError);
    const error = thrown as ConnectorError;
    expect(error.code).toBe(ErrorCodes.STATE_RESTORE_FAILED);
    expect(error.message).toContain(`"${user}" at offset 42`);
    expect(error.message).toMatch(message);
    expect(error.details).toEqual({ key: user, offset: '42' });
  });
});
