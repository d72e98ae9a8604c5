import { describe, expect, it } from 'vitest';
import { TENANT_DOMAIN, userNames } from '../../src/simulator/directory-names.js';

describe('user names', () => {
  it('are the same for the same index and seed, and differ with the seed', () => {
    expect(userNames(42, 7, false)).toEqual(userNames(42, 7, false));
    const names = Array.from({ length: 50 }, (_, i) => userNames(i, 7, false).givenName).join();
    expect(Array.from({ length: 50 }, (_, i) => userNames(i, 8, false).givenName).join()).not.toBe(names);
  });

  it('give members a UPN in the tenant and guests the #EXT# UPN of an invited user', () => {
    const member = userNames(3, 1, false);
    expect(member.userPrincipalName).toMatch(new RegExp(`^[a-z0-9]+\\.[a-z0-9]+\\.3@${TENANT_DOMAIN}$`));
    expect(member.mail).toBe(member.userPrincipalName);
    const guest = userNames(3, 1, true);
    expect(guest.userPrincipalName).toMatch(new RegExp(`^[a-z0-9.]+_[a-z.-]+#EXT#@${TENANT_DOMAIN}$`));
    expect(guest.mail.endsWith(TENANT_DOMAIN)).toBe(false);
  });

  it('keep UPNs unique however often a name repeats, and ASCII in the local part', () => {
    const upns = Array.from({ length: 20_000 }, (_, i) => userNames(i, 1, false).userPrincipalName);
    expect(new Set(upns).size).toBe(upns.length);
    expect(upns.every((upn) => /^[\x21-\x7e]+$/.test(upn))).toBe(true);
  });
});
