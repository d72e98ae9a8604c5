/**
 * Groups of the simulated directory. Members are stored per group as a sorted Uint32Array of member references
 * (a user's index, or a group's index with the top bit set), so that listing pages continue after the last
 * reference served even while members come and go, and a million memberships cost 4 MB. Every membership change
 * is also appended to the group's change log, which incremental group delta rounds read.
 */

/** Set on a member reference that designates a group; user indices stay below 2^31 (at most 5M users). */
export const GROUP_REF = 0x80000000;

export function groupRef(groupIndex: number): number {
  return (GROUP_REF | groupIndex) >>> 0;
}

export function isGroupRef(ref: number): boolean {
  return ref >= GROUP_REF;
}

export function refIndex(ref: number): number {
  return ref >= GROUP_REF ? ref - GROUP_REF : ref;
}

/** One membership change: the member reference, whether it was added, and the directory serial it took. */
export interface MembershipChange {
  ref: number;
  added: boolean;
  serial: number;
}

class SortedRefs {
  private data: Uint32Array;
  length = 0;

  constructor(initialCapacity = 4) {
    this.data = new Uint32Array(Math.max(initialCapacity, 4));
  }

  /** Appends a reference known to be larger than all present (layout building goes in index order). */
  append(ref: number): void {
    if (this.length > 0 && (this.data[this.length - 1] ?? 0) >= ref) {
      this.insert(ref);
      return;
    }
    this.ensure(this.length + 1);
    this.data[this.length++] = ref;
  }

  /** Position of the first reference >= ref. */
  lowerBound(ref: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.data[mid] ?? 0) < ref) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  has(ref: number): boolean {
    const at = this.lowerBound(ref);
    return at < this.length && this.data[at] === ref;
  }

  insert(ref: number): boolean {
    const at = this.lowerBound(ref);
    if (at < this.length && this.data[at] === ref) return false;
    this.ensure(this.length + 1);
    this.data.copyWithin(at + 1, at, this.length);
    this.data[at] = ref;
    this.length++;
    return true;
  }

  remove(ref: number): boolean {
    const at = this.lowerBound(ref);
    if (at >= this.length || this.data[at] !== ref) return false;
    this.data.copyWithin(at, at + 1, this.length);
    this.length--;
    return true;
  }

  /** A read-only view of the current references (valid until the next change). */
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }

  byteSize(): number {
    return this.data.byteLength;
  }

  private ensure(size: number): void {
    if (size <= this.data.length) return;
    const grown = new Uint32Array(Math.max(size, Math.ceil(this.data.length * 1.5)));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

export class DirectoryGroups {
  private readonly members: SortedRefs[];
  private readonly logs: MembershipChange[][];
  /** Directory serial of each group's last membership change; 0: unchanged since start. */
  readonly changed: Uint32Array;

  constructor(readonly count: number) {
    this.members = Array.from({ length: count }, () => new SortedRefs());
    this.logs = Array.from({ length: count }, () => []);
    this.changed = new Uint32Array(count);
  }

  /** Adds a member at build time: no change is logged. */
  seed(group: number, ref: number): void {
    this.refs(group).append(ref);
  }

  /** Direct member references of a group, sorted (users first, then groups). */
  memberRefs(group: number): Uint32Array {
    return this.refs(group).view();
  }

  isMember(group: number, ref: number): boolean {
    return this.refs(group).has(ref);
  }

  /** Adds or removes a member; returns false (and logs nothing) when nothing changes. */
  change(group: number, ref: number, added: boolean, serial: number): boolean {
    const refs = this.refs(group);
    const changed = added ? refs.insert(ref) : refs.remove(ref);
    if (!changed) return false;
    this.logs[group]?.push({ ref, added, serial });
    this.changed[group] = serial;
    return true;
  }

  /**
   * The net membership changes of a group after `since`, one per member (its last change wins), sorted by
   * reference so that pages can continue after the last one served.
   */
  changesSince(group: number, since: number): MembershipChange[] {
    if ((this.changed[group] ?? 0) <= since) return [];
    const log = this.logs[group] ?? [];
    const last = new Map<number, MembershipChange>();
    // The log is in serial order: walk back to the first entry after `since`.
    let from = log.length;
    while (from > 0 && (log[from - 1]?.serial ?? 0) > since) from--;
    for (let i = from; i < log.length; i++) {
      const entry = log[i];
      if (entry !== undefined) last.set(entry.ref, entry);
    }
    return [...last.values()].sort((a, b) => a.ref - b.ref);
  }

  /** Groups that have `userIndex` as a direct member. */
  groupsOf(userIndex: number): number[] {
    const found: number[] = [];
    for (let group = 0; group < this.count; group++) if (this.refs(group).has(userIndex)) found.push(group);
    return found;
  }

  /** Position of the first direct member with a reference >= ref, for listing pages. */
  lowerBound(group: number, ref: number): number {
    return this.refs(group).lowerBound(ref);
  }

  byteSize(): number {
    let bytes = this.changed.byteLength;
    for (const refs of this.members) bytes += refs.byteSize();
    return bytes;
  }

  /** Memberships held (sum of direct member counts). */
  membershipCount(): number {
    return this.members.reduce((sum, refs) => sum + refs.length, 0);
  }

  private refs(group: number): SortedRefs {
    const refs = this.members[group];
    if (refs === undefined) throw new RangeError(`No group ${group}`);
    return refs;
  }
}
