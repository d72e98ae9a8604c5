/**
 * Directory attributes of the simulated users, in typed arrays (6 bytes a user) like the presence store: one flags
 * byte (existence, disabled, guest, Teams), the change serial of the last tracked change, and which tracked
 * properties changed since the user was created. Names are derived (directory-names.ts); only renames are stored.
 */
import { userNames, type UserNames } from './directory-names.js';

/** Where a user is in its life: not created yet (the reserve), active, in the recycle bin, or gone for good. */
export type UserState = 'absent' | 'active' | 'softDeleted' | 'deleted';
const STATES: readonly UserState[] = ['absent', 'active', 'softDeleted', 'deleted'];
const STATE_MASK = 0b11;
const DISABLED = 1 << 2;
const GUEST = 1 << 3;
const NO_TEAMS = 1 << 4;

/**
 * Tracked properties, for `$select`-aware delta: Graph leaves a user out of a delta round when only properties the
 * round did not select changed. Existence (creation, deletion) is always tracked.
 */
export const TRACKED = {
  displayName: 1,
  accountEnabled: 2,
  userType: 4,
  existence: 8,
} as const;
export const ALL_TRACKED = 0xff;

export interface UserAttributes {
  state: UserState;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  /** From the user's assigned plans: whether the Teams service plan is among them. */
  hasTeams: boolean;
}

export class DirectoryUsers {
  readonly flags: Uint8Array;
  /** Directory serial of the user's last tracked change; 0: unchanged since start. */
  readonly changed: Uint32Array;
  /**
   * Tracked properties changed since start, accumulated: a round that selected any of them sees the user again
   * (a replay, which Graph allows), and a round that selected none of them never misses a change it selected.
   */
  readonly changedProperties: Uint8Array;
  private readonly renamed = new Map<number, string>();

  constructor(
    readonly capacity: number,
    private readonly seed: number,
  ) {
    this.flags = new Uint8Array(capacity);
    this.changed = new Uint32Array(capacity);
    this.changedProperties = new Uint8Array(capacity);
  }

  /** Sets the state at build time, without a change serial (nothing is "changed" before the first round). */
  initialise(index: number, attributes: Omit<UserAttributes, 'state'>): void {
    this.flags[index] =
      stateBits('active') |
      (attributes.accountEnabled ? 0 : DISABLED) |
      (attributes.userType === 'Guest' ? GUEST : 0) |
      (attributes.hasTeams ? 0 : NO_TEAMS);
  }

  state(index: number): UserState {
    return STATES[(this.flags[index] ?? 0) & STATE_MASK] ?? 'absent';
  }

  /** Active: created and not deleted. Deleted users and the reserve are not in the directory. */
  exists(index: number): boolean {
    return ((this.flags[index] ?? 0) & STATE_MASK) === 1;
  }

  attributes(index: number): UserAttributes {
    const flags = this.flags[index] ?? 0;
    return {
      state: this.state(index),
      accountEnabled: (flags & DISABLED) === 0,
      userType: (flags & GUEST) === 0 ? 'Member' : 'Guest',
      hasTeams: (flags & NO_TEAMS) === 0,
    };
  }

  names(index: number): UserNames & { displayName: string } {
    const names = userNames(index, this.seed, ((this.flags[index] ?? 0) & GUEST) !== 0);
    return { ...names, displayName: this.renamed.get(index) ?? `${names.givenName} ${names.surname}` };
  }

  /** Moves a user to another state; returns false (and changes nothing) when it is there already. */
  setState(index: number, state: UserState, serial: number): boolean {
    const flags = this.flags[index] ?? 0;
    if (STATES[flags & STATE_MASK] === state) return false;
    this.flags[index] = (flags & ~STATE_MASK) | stateBits(state);
    this.mark(index, TRACKED.existence, serial);
    return true;
  }

  /** Creates a user of the reserve with the given attributes. */
  create(index: number, attributes: Omit<UserAttributes, 'state'>, serial: number): void {
    this.initialise(index, attributes);
    this.mark(index, TRACKED.existence, serial);
  }

  setEnabled(index: number, enabled: boolean, serial: number): boolean {
    const flags = this.flags[index] ?? 0;
    if (((flags & DISABLED) === 0) === enabled) return false;
    this.flags[index] = enabled ? flags & ~DISABLED : flags | DISABLED;
    this.mark(index, TRACKED.accountEnabled, serial);
    return true;
  }

  rename(index: number, displayName: string, serial: number): void {
    this.renamed.set(index, displayName);
    this.mark(index, TRACKED.displayName, serial);
  }

  /** Whether a delta round tracking `selected` properties, watermarked at `since`, must show this user. */
  changedSince(index: number, since: number, selected: number): boolean {
    if ((this.changed[index] ?? 0) <= since) return false;
    return ((this.changedProperties[index] ?? 0) & (selected | TRACKED.existence)) !== 0;
  }

  /** Bytes held per user by the typed arrays (renames, a sparse map, are not counted). */
  byteSize(): number {
    return this.flags.byteLength + this.changed.byteLength + this.changedProperties.byteLength;
  }

  private mark(index: number, property: number, serial: number): void {
    this.changed[index] = serial;
    this.changedProperties[index] = (this.changedProperties[index] ?? 0) | property;
  }
}

function stateBits(state: UserState): number {
  return STATES.indexOf(state);
}
