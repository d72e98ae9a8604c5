/**
 * Moves the directory on with time: `changesPerMinute` random changes per minute of wall time (members join and
 * leave groups, accounts are disabled, enabled, deleted, created), applied lazily when a request arrives (or on
 * `tick`), like the presence churn. Its own random stream keeps the presence churn unchanged.
 */
import type { Directory } from './directory.js';
import { isGroupRef } from './directory-groups.js';
import type { DirectoryChangeWeights } from './directory-options.js';
import { chance, cumulativeWeights, pickWeighted, randomInt, type Random } from './random.js';

const KINDS = ['addMember', 'removeMember', 'disable', 'enable', 'delete', 'create'] as const;
export type DirectoryChangeKind = (typeof KINDS)[number];
/** Draws per change before giving up (e.g. nothing to enable): a change that finds no subject is skipped. */
const ATTEMPTS = 8;

export class DirectoryChurn {
  private lastMs: number;
  private carry = 0;
  private readonly cumulative: Float64Array;

  constructor(
    private readonly directory: Directory,
    private readonly perMinute: number,
    /** False: changes only through `tick`, for deterministic tests (the simulator's `autoChurn`). */
    private readonly automatic: boolean,
    weights: DirectoryChangeWeights,
    private readonly random: Random,
    private readonly guestShare: number,
    startMs: number,
  ) {
    this.lastMs = startMs;
    this.cumulative = cumulativeWeights(KINDS.map((kind) => weights[kind]));
  }

  /** Applies the changes due since the last call (monotonic ms). */
  advance(nowMs: number): void {
    const elapsedMs = nowMs - this.lastMs;
    this.lastMs = nowMs;
    if (!this.automatic || elapsedMs <= 0 || this.perMinute === 0) return;
    this.applyDue((this.perMinute * elapsedMs) / 60_000);
  }

  /** Applies `minutes` worth of changes now; returns how many were made. */
  tick(minutes: number): number {
    return this.applyDue(this.perMinute * minutes);
  }

  private applyDue(due: number): number {
    const total = this.carry + due;
    this.carry = total - Math.floor(total);
    let made = 0;
    for (let i = 0; i < Math.floor(total); i++) if (this.changeOnce()) made++;
    return made;
  }

  private changeOnce(): boolean {
    if ((this.cumulative[this.cumulative.length - 1] ?? 0) <= 0) return false;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const kind = KINDS[pickWeighted(this.random, this.cumulative)] ?? 'addMember';
      if (this.apply(kind)) return true;
    }
    return false;
  }

  private apply(kind: DirectoryChangeKind): boolean {
    const { directory, random } = this;
    const groups = directory.groups.count;
    switch (kind) {
      case 'addMember': {
        const user = this.existingUser();
        return user >= 0 && groups > 0 && directory.addMember(randomInt(random, groups), user);
      }
      case 'removeMember': {
        if (groups === 0) return false;
        const group = randomInt(random, groups);
        const refs = directory.groups.memberRefs(group);
        const ref = refs[randomInt(random, refs.length)];
        // Nested groups stay: the layout's shape is the test's, only people come and go.
        return ref !== undefined && !isGroupRef(ref) && directory.removeMember(group, ref);
      }
      case 'disable':
        return directory.setEnabled(this.existingUser(), false);
      case 'enable':
        return directory.setEnabled(this.existingUser(), true);
      case 'delete':
        return directory.deleteUser(this.existingUser(), false);
      case 'create': {
        const userType = chance(random, this.guestShare) ? 'Guest' : 'Member';
        const user = directory.createUser({ accountEnabled: true, userType, hasTeams: true });
        if (user === null) return false;
        if (groups > 0) directory.addMember(randomInt(random, groups), user);
        return true;
      }
    }
  }

  /** A random user that exists, or -1 after a few misses (a mostly deleted or empty directory). */
  private existingUser(): number {
    const capacity = this.directory.userCapacity;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const user = randomInt(this.random, capacity);
      if (this.directory.users.exists(user)) return user;
    }
    return -1;
  }
}
