import { describe, expect, it } from 'vitest';
import {
  enabledKnown,
  groupBit,
  guestKnown,
  IN_TENANT,
  isDisabled,
  isGuest,
  MAX_GROUP_SOURCES,
  sourceBits,
  WatchRule,
  withAttributes,
} from '../../src/discovery/directory-entry.js';
import { GROUP_A, GROUP_B, GROUP_C, group, guid, tenant } from './support.js';

const MEMBER = { accountEnabled: true, userType: 'Member' };
const GUEST = { accountEnabled: true, userType: 'Guest' };
const DISABLED = { accountEnabled: false, userType: 'Member' };
const UNKNOWN = { accountEnabled: null, userType: null };

describe('withAttributes', () => {
  it('records what was sent and keeps what was not', () => {
    const unknown = withAttributes(IN_TENANT, UNKNOWN);
    expect(unknown).toBe(IN_TENANT);
    expect(enabledKnown(unknown) || guestKnown(unknown)).toBe(false);

    const disabledGuest = withAttributes(IN_TENANT, { accountEnabled: false, userType: 'guest' });
    expect(isDisabled(disabledGuest)).toBe(true);
    expect(isGuest(disabledGuest)).toBe(true);
    // A later page that does not carry the attributes changes nothing.
    expect(withAttributes(disabledGuest, UNKNOWN)).toBe(disabledGuest);
    // One that does overrides them, and the source bits stay.
    const enabledMember = withAttributes(disabledGuest, MEMBER);
    expect(isDisabled(enabledMember) || isGuest(enabledMember)).toBe(false);
    expect(enabledKnown(enabledMember) && guestKnown(enabledMember)).toBe(true);
    expect(sourceBits(enabledMember)).toBe(IN_TENANT);
  });

  it('keeps the source bits apart from the attribute bits', () => {
    const entry = withAttributes(IN_TENANT | groupBit(0) | groupBit(MAX_GROUP_SOURCES - 1), GUEST);
    expect(sourceBits(entry)).toBe(IN_TENANT | groupBit(0) | groupBit(MAX_GROUP_SOURCES - 1));
    expect(entry).toBeGreaterThan(0); // the highest group bit stays below the sign bit
    expect(sourceBits(withAttributes(0, DISABLED))).toBe(0);
  });
});

describe('WatchRule.watches', () => {
  it('takes enabled members of the tenant, and guests only when includeGuests is true', () => {
    const membersOnly = new WatchRule([tenant(false)]);
    const withGuests = new WatchRule([tenant(true)]);
    const member = withAttributes(IN_TENANT, MEMBER);
    const guestUser = withAttributes(IN_TENANT, GUEST);
    expect(membersOnly.watches(member)).toBe(true);
    expect(membersOnly.watches(guestUser)).toBe(false);
    expect(withGuests.watches(member)).toBe(true);
    expect(withGuests.watches(guestUser)).toBe(true);
  });

  it('tells a disabled account (known false) from one whose state Graph never sent (unknown: watched)', () => {
    const rule = new WatchRule([tenant(), group(GROUP_A)]);
    expect(rule.watches(withAttributes(IN_TENANT, DISABLED))).toBe(false);
    expect(rule.watches(withAttributes(groupBit(0), DISABLED))).toBe(false);
    expect(rule.watches(withAttributes(IN_TENANT, UNKNOWN))).toBe(true);
    expect(rule.watches(withAttributes(IN_TENANT, { accountEnabled: null, userType: 'Member' }))).toBe(true);
    // Unknown user type under members-only: not known to be a guest, so watched.
    expect(rule.watches(withAttributes(IN_TENANT, { accountEnabled: true, userType: null }))).toBe(true);
  });

  it('takes a group source whole, guests included, and only the bits of the configured sources', () => {
    const groupsOnly = new WatchRule([group(GROUP_A), group(GROUP_B)]);
    expect(groupsOnly.watches(withAttributes(groupBit(1), GUEST))).toBe(true);
    // A tenant bit means nothing to a config without the tenant source.
    expect(groupsOnly.watches(withAttributes(IN_TENANT, MEMBER))).toBe(false);
    expect(groupsOnly.configuredSources(IN_TENANT | groupBit(1))).toBe(groupBit(1));

    const tenantOnly = new WatchRule([tenant()]);
    expect(tenantOnly.watches(withAttributes(groupBit(0), MEMBER))).toBe(false);
    expect(tenantOnly.configuredSources(IN_TENANT | groupBit(0))).toBe(IN_TENANT);
    // A guest in a group is watched even when the tenant source leaves guests out.
    expect(new WatchRule([tenant(false), group(GROUP_A)]).watches(withAttributes(IN_TENANT | groupBit(0), GUEST))).toBe(
      true,
    );
  });

  it('stops counting a group source once it is removed from the config', () => {
    const before = new WatchRule([tenant(), group(GROUP_A), group(GROUP_B), group(GROUP_C)]);
    const after = new WatchRule([tenant(), group(GROUP_A)]);
    const inC = withAttributes(before.bitOfGroup(GROUP_C) ?? 0, MEMBER);
    expect(before.configuredSources(inC)).not.toBe(0);
    expect(before.watches(inC)).toBe(true);
    expect(after.configuredSources(inC)).toBe(0);
    expect(after.watches(inC)).toBe(false);
    expect(after.bitOfGroup(GROUP_C)).toBeUndefined();
    // What the remaining sources say still counts.
    expect(after.configuredSources(inC | IN_TENANT)).toBe(IN_TENANT);
  });
});

describe('WatchRule', () => {
  it('gives each configured group its own bit in config order, a group listed twice once', () => {
    const rule = new WatchRule([group(GROUP_B), tenant(), group(GROUP_A), group(GROUP_B)]);
    expect(rule.groups).toEqual([GROUP_B, GROUP_A]);
    expect(rule.hasTenant).toBe(true);
    expect(rule.bitOfGroup(GROUP_B)).toBe(groupBit(0));
    expect(rule.bitOfGroup(GROUP_A)).toBe(groupBit(1));
    expect(new WatchRule([group(GROUP_A)]).hasTenant).toBe(false);
  });

  it(`accepts ${MAX_GROUP_SOURCES} groups and refuses more`, () => {
    expect(MAX_GROUP_SOURCES).toBe(26);
    const groups = Array.from({ length: MAX_GROUP_SOURCES + 1 }, (_, index) => group(guid(index)));
    const widest = new WatchRule(groups.slice(0, MAX_GROUP_SOURCES));
    const last = widest.bitOfGroup(guid(MAX_GROUP_SOURCES - 1)) ?? 0;
    expect(last).toBeGreaterThan(0);
    expect(widest.watches(withAttributes(last, MEMBER))).toBe(true);
    expect(() => new WatchRule(groups)).toThrow(RangeError);
    expect(() => new WatchRule(groups)).toThrow(/at most 26 group sources, not 27/);
  });
});
