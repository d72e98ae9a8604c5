/**
 * The simulated Entra ID directory: users' directory attributes (directory-users.ts) and groups
 * (directory-groups.ts), one change serial for both (what delta tokens watermark), the ids of groups, and the
 * changes a test or the automatic churn makes. Deleting a user removes it from its groups, as Entra ID does; group
 * delta reports that as a removed member.
 */
import { DirectoryGroups, groupRef, isGroupRef, refIndex } from './directory-groups.js';
import { DirectoryUsers, type UserAttributes } from './directory-users.js';
import { mix32 } from './random.js';
import { userIdAt, userIndexOf } from './user-ids.js';

/** Transitive member lists kept for listing pages: a page of a large group must not redo the whole walk. */
const TRANSITIVE_CACHE_SIZE = 16;

export interface TransitiveMembers {
  /**
   * Member references, sorted: the users reachable (each once), then the nested groups reachable (the group itself
   * excluded, even in a cycle), so that listing pages are slices of one array.
   */
  refs: Uint32Array;
  /** How many of `refs` are users. */
  users: number;
}

export class Directory {
  readonly users: DirectoryUsers;
  readonly groups: DirectoryGroups;
  /** Group ids come from the same keyed permutation as user ids, under another key, so id -> index is arithmetic. */
  private readonly groupSeed: number;
  private lastSerial = 0;
  /** Bumped by every membership change: a cached transitive list is valid while it is unchanged. */
  private membershipVersion = 0;
  private readonly transitiveCache = new Map<number, { version: number; members: TransitiveMembers }>();
  /** One bit per user, set for the users the current transitive walk has seen (allocated on first use). */
  private seenUsers: Uint8Array | null = null;

  constructor(
    userCapacity: number,
    groupCount: number,
    readonly seed: number,
    /** Users below this index exist at start; the rest are the reserve `createUser` draws from, in order. */
    private nextReserve: number,
  ) {
    this.users = new DirectoryUsers(userCapacity, seed);
    this.groups = new DirectoryGroups(groupCount);
    this.groupSeed = mix32(seed ^ 0x67a3c1d5);
  }

  /** The serial of the latest change (0 before any): a delta round started now misses no change after it. */
  get serial(): number {
    return this.lastSerial;
  }

  get userCapacity(): number {
    return this.users.capacity;
  }

  /** Users of the reserve not created yet. */
  get reserveLeft(): number {
    return this.users.capacity - this.nextReserve;
  }

  userId(index: number): string {
    return userIdAt(index, this.seed);
  }

  userIndexOf(id: string): number {
    return userIndexOf(id.toLowerCase(), this.users.capacity, this.seed);
  }

  groupId(index: number): string {
    return userIdAt(index, this.groupSeed);
  }

  groupIndexOf(id: string): number {
    return userIndexOf(id.toLowerCase(), this.groups.count, this.groupSeed);
  }

  addMember(group: number, ref: number): boolean {
    return this.changeMembership(group, ref, true);
  }

  removeMember(group: number, ref: number): boolean {
    return this.changeMembership(group, ref, false);
  }

  setEnabled(user: number, enabled: boolean): boolean {
    if (!this.users.exists(user) || this.users.attributes(user).accountEnabled === enabled) return false;
    return this.users.setEnabled(user, enabled, this.nextSerial());
  }

  rename(user: number, displayName: string): void {
    this.users.rename(user, displayName, this.nextSerial());
  }

  /**
   * Soft delete (to the recycle bin: `@removed` reason `changed`) or permanent delete (`deleted`, also from the
   * recycle bin). Either way the user leaves every group it was a direct member of.
   */
  deleteUser(user: number, permanently: boolean): boolean {
    const state = this.users.state(user);
    if (state === 'absent' || state === 'deleted') return false;
    if (state === 'softDeleted' && !permanently) return false;
    for (const group of this.groups.groupsOf(user)) this.removeMember(group, user);
    return this.users.setState(user, permanently ? 'deleted' : 'softDeleted', this.nextSerial());
  }

  /** Brings a soft-deleted user back; memberships are not restored (the reading of Graph's docs this follows). */
  restoreUser(user: number): boolean {
    if (this.users.state(user) !== 'softDeleted') return false;
    return this.users.setState(user, 'active', this.nextSerial());
  }

  /** Creates the next user of the reserve; null when the reserve is used up. */
  createUser(attributes: Omit<UserAttributes, 'state'>): number | null {
    if (this.nextReserve >= this.users.capacity) return null;
    const index = this.nextReserve++;
    this.users.create(index, attributes, this.nextSerial());
    return index;
  }

  /** Users and nested groups reachable from `group`, with a guard against cycles. Cached per membership version. */
  transitiveMembers(group: number): TransitiveMembers {
    const cached = this.transitiveCache.get(group);
    if (cached !== undefined && cached.version === this.membershipVersion) return cached.members;
    const members = this.walk(group);
    if (this.transitiveCache.size >= TRANSITIVE_CACHE_SIZE) {
      const oldest = this.transitiveCache.keys().next().value;
      if (oldest !== undefined) this.transitiveCache.delete(oldest);
    }
    this.transitiveCache.set(group, { version: this.membershipVersion, members });
    return members;
  }

  /** Bytes of the counted structures: per-user arrays, member arrays and per-group serials. */
  byteSize(): number {
    return this.users.byteSize() + this.groups.byteSize();
  }

  private walk(root: number): TransitiveMembers {
    const seen = (this.seenUsers ??= new Uint8Array(Math.ceil(this.users.capacity / 8)));
    seen.fill(0);
    let userCount = 0;
    const seenGroups = new Set<number>([root]);
    const queue = [root];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      for (const ref of this.groups.memberRefs(next)) {
        if (isGroupRef(ref)) {
          const nested = refIndex(ref);
          if (!seenGroups.has(nested)) {
            seenGroups.add(nested);
            queue.push(nested);
          }
        } else if (((seen[ref >>> 3] ?? 0) & (1 << (ref & 7))) === 0) {
          seen[ref >>> 3] = (seen[ref >>> 3] ?? 0) | (1 << (ref & 7));
          userCount++;
        }
      }
    }
    seenGroups.delete(root);
    const refs = new Uint32Array(userCount + seenGroups.size);
    // Reading the bit set in order yields the users sorted, without sorting.
    let at = 0;
    for (let byte = 0; byte < seen.length && at < userCount; byte++) {
      const bits = seen[byte] ?? 0;
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) if ((bits & (1 << bit)) !== 0) refs[at++] = byte * 8 + bit;
    }
    refs.set(Uint32Array.from(seenGroups, (group) => groupRef(group)).sort(), userCount);
    return { refs, users: userCount };
  }

  private changeMembership(group: number, ref: number, added: boolean): boolean {
    if (added && !isGroupRef(ref) && !this.users.exists(ref)) return false;
    if (added && ref === groupRef(group)) return false;
    // The serial is only taken when something changes, so that no-op calls leave delta rounds alone.
    const changed = this.groups.change(group, ref, added, this.lastSerial + 1);
    if (changed) {
      this.lastSerial++;
      this.membershipVersion++;
    }
    return changed;
  }

  private nextSerial(): number {
    return ++this.lastSerial;
  }
}
