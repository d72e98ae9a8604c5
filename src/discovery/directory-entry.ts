/**
 * What discovery knows of one directory user, packed in a small integer: where it was found (the tenant, which
 * configured groups) and the two attributes that decide whether it is watched. Attributes are three-state
 * (unknown, true, false) because an incremental delta round may send only the properties that changed, and a
 * group listing sends them only to an app with User.Read.All: what was not sent is kept, not guessed.
 */
import type { DiscoverySource } from '../config/index.js';

export const IN_TENANT = 1;
const ENABLED_KNOWN = 2;
const ENABLED = 4;
const GUEST_KNOWN = 8;
const GUEST = 16;
const FIRST_GROUP_BIT = 5;
/** Group membership bits stop below bit 31, so entries stay non-negative small integers. */
export const MAX_GROUP_SOURCES = 31 - FIRST_GROUP_BIT;

/** Attributes as a delta page or listing sends them: null when not sent. */
export interface UserAttributes {
  accountEnabled: boolean | null;
  userType: string | null;
}

export function withAttributes(entry: number, user: UserAttributes): number {
  let next = entry;
  if (user.accountEnabled !== null) {
    next = (next & ~ENABLED) | ENABLED_KNOWN | (user.accountEnabled ? ENABLED : 0);
  }
  if (user.userType !== null) {
    next = (next & ~GUEST) | GUEST_KNOWN | (user.userType.toLowerCase() === 'guest' ? GUEST : 0);
  }
  return next;
}

export function groupBit(index: number): number {
  return 1 << (FIRST_GROUP_BIT + index);
}

/** Every bit that says a source found the user; an entry with none of them is forgotten (a tombstone). */
export function sourceBits(entry: number): number {
  return entry & (IN_TENANT | ~((1 << FIRST_GROUP_BIT) - 1));
}

/** Whether Graph ever said if the account is enabled. */
export function enabledKnown(entry: number): boolean {
  return (entry & ENABLED_KNOWN) !== 0;
}

/** Whether Graph ever said whether the user is a guest. */
export function guestKnown(entry: number): boolean {
  return (entry & GUEST_KNOWN) !== 0;
}

export function isDisabled(entry: number): boolean {
  return (entry & ENABLED_KNOWN) !== 0 && (entry & ENABLED) === 0;
}

export function isGuest(entry: number): boolean {
  return (entry & GUEST_KNOWN) !== 0 && (entry & GUEST) !== 0;
}

/**
 * The rules that turn an entry into "watched" for a configuration's sources: an enabled account (unknown counts as
 * enabled: Graph did not say otherwise) that the tenant source takes (members, and guests when included) or that
 * is in a configured group.
 */
export class WatchRule {
  /** Configured group ids in their bit order. */
  readonly groups: readonly string[];
  private readonly tenant: { includeGuests: boolean } | undefined;
  private readonly groupIndex: ReadonlyMap<string, number>;

  constructor(sources: readonly DiscoverySource[]) {
    const groups: string[] = [];
    let tenant: { includeGuests: boolean } | undefined;
    for (const source of sources) {
      if (source.type === 'tenant') tenant = { includeGuests: source.includeGuests };
      else if (!groups.includes(source.groupId)) groups.push(source.groupId);
    }
    if (groups.length > MAX_GROUP_SOURCES) {
      throw new RangeError(`discovery supports at most ${MAX_GROUP_SOURCES} group sources, not ${groups.length}`);
    }
    this.groups = groups;
    this.tenant = tenant;
    this.groupIndex = new Map(groups.map((id, index) => [id, index]));
  }

  get hasTenant(): boolean {
    return this.tenant !== undefined;
  }

  bitOfGroup(groupId: string): number | undefined {
    const index = this.groupIndex.get(groupId);
    return index === undefined ? undefined : groupBit(index);
  }

  /** The bits this configuration still has sources for: a source removed from the config no longer counts. */
  configuredSources(entry: number): number {
    const groupMask = ((1 << this.groups.length) - 1) << FIRST_GROUP_BIT;
    return entry & ((this.tenant === undefined ? 0 : IN_TENANT) | groupMask);
  }

  watches(entry: number): boolean {
    if (isDisabled(entry)) return false;
    const sources = this.configuredSources(entry);
    if ((sources & ~IN_TENANT) !== 0) return true;
    if ((sources & IN_TENANT) === 0 || this.tenant === undefined) return false;
    return this.tenant.includeGuests || !isGuest(entry);
  }
}
