/**
 * `sim.directory`: what a test or demo reads and changes in the simulated Entra ID directory. Users are given by
 * index or id, groups by index or id; a member to add or remove is a user (index or id) or a group (its id).
 * Every change takes a directory serial, so the next delta round reports it.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import { groupRef, isGroupRef, refIndex } from './directory-groups.js';
import { groupDisplayName } from './directory-json.js';
import { mergeDirectoryFaults, type DirectoryFaults } from './directory-options.js';
import type { UserState } from './directory-users.js';
import type { Runtime } from './runtime.js';

export interface DirectoryUser {
  id: string;
  index: number;
  state: UserState;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  displayName: string;
  /** The Teams service plan is among the user's assigned plans. */
  hasTeams: boolean;
}

export interface NewUserAttributes {
  userType?: 'Member' | 'Guest';
  accountEnabled?: boolean;
  /** Groups (index or id) the new users join. */
  groups?: ReadonlyArray<number | string>;
}

export interface SimulatedDirectory {
  readonly groupCount: number;
  /** Users of the reserve `addUsers` can still create. */
  reserveLeft(): number;
  groupIds(): string[];
  groupIdAt(index: number): string;
  groupDisplayName(group: number | string): string;
  user(user: number | string): DirectoryUser;
  /** Ids of the users in the directory now (not deleted), optionally only enabled members as a connector watches. */
  userIds(filter?: { enabledOnly?: boolean; membersOnly?: boolean }): string[];
  /** Direct members of a group: user ids and nested group ids. */
  directMembers(group: number | string): { users: string[]; groups: string[] };
  /** Every user reachable from the group through nested groups (cycles followed once), sorted by index. */
  transitiveUserIds(group: number | string): string[];
  /** Returns how many were added (members already there are skipped). */
  addMembers(group: number | string, members: ReadonlyArray<number | string>): number;
  removeMembers(group: number | string, members: ReadonlyArray<number | string>): number;
  disableUsers(users: ReadonlyArray<number | string>): void;
  enableUsers(users: ReadonlyArray<number | string>): void;
  /** Soft delete (recycle bin, `@removed` reason `changed`) or, with `permanently`, for good (`deleted`). */
  deleteUsers(users: ReadonlyArray<number | string>, options?: { permanently?: boolean }): void;
  /** Brings soft-deleted users back (without their former group memberships). */
  restoreUsers(users: ReadonlyArray<number | string>): void;
  /** Creates `count` users from the reserve; returns their ids. Throws when the reserve is too small. */
  addUsers(count: number, attributes?: NewUserAttributes): string[];
  renameUser(user: number | string, displayName: string): void;
  /** Applies `minutes` (default 1) of the configured directory change rate now; returns the changes made. */
  tick(minutes?: number): number;
  faults(): DirectoryFaults;
  /** Merges into the current directory faults; throws SIMULATOR_INVALID_OPTIONS (changing nothing) if invalid. */
  setFaults(change: Partial<DirectoryFaults>): void;
  /** Every delta link and delta skip token issued so far answers as expired (400 or 410, see faults). */
  expireDeltaLinks(): void;
  /** Bytes of the directory's counted structures (per-user arrays, member arrays). */
  byteSize(): number;
}

function invalid(what: string, value: unknown): ConnectorError {
  return new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Not a simulated ${what}: ${String(value)}`, {
    details: { [what]: value },
  });
}

export function directoryHandle(runtime: Runtime): SimulatedDirectory {
  const { directory } = runtime;
  const userIndex = (user: number | string): number => {
    const index = typeof user === 'number' ? user : directory.userIndexOf(user);
    if (!Number.isInteger(index) || index < 0 || index >= directory.userCapacity) throw invalid('user', user);
    return index;
  };
  const groupIndex = (group: number | string): number => {
    const index = typeof group === 'number' ? group : directory.groupIndexOf(group);
    if (!Number.isInteger(index) || index < 0 || index >= directory.groups.count) throw invalid('group', group);
    return index;
  };
  const memberRef = (member: number | string): number => {
    if (typeof member === 'number') return userIndex(member);
    const user = directory.userIndexOf(member);
    if (user >= 0) return user;
    const group = directory.groupIndexOf(member);
    if (group >= 0) return groupRef(group);
    throw invalid('user or group', member);
  };
  const eachUser = (users: ReadonlyArray<number | string>, action: (index: number) => void): void => {
    for (const index of users.map(userIndex)) action(index);
  };
  return {
    groupCount: directory.groups.count,
    reserveLeft: () => directory.reserveLeft,
    groupIds: () => Array.from({ length: directory.groups.count }, (_, i) => directory.groupId(i)),
    groupIdAt: (index) => directory.groupId(groupIndex(index)),
    groupDisplayName: (group) => groupDisplayName(groupIndex(group)),
    user: (user) => {
      const index = userIndex(user);
      const { state, accountEnabled, userType, hasTeams } = directory.users.attributes(index);
      const { displayName } = directory.users.names(index);
      return { id: directory.userId(index), index, state, accountEnabled, userType, displayName, hasTeams };
    },
    userIds: (filter = {}) => {
      const ids: string[] = [];
      for (let index = 0; index < directory.userCapacity; index++) {
        if (!directory.users.exists(index)) continue;
        const attributes = directory.users.attributes(index);
        if (filter.enabledOnly === true && !attributes.accountEnabled) continue;
        if (filter.membersOnly === true && attributes.userType !== 'Member') continue;
        ids.push(directory.userId(index));
      }
      return ids;
    },
    directMembers: (group) => {
      const refs = [...directory.groups.memberRefs(groupIndex(group))];
      return {
        users: refs.filter((ref) => !isGroupRef(ref)).map((ref) => directory.userId(ref)),
        groups: refs.filter(isGroupRef).map((ref) => directory.groupId(refIndex(ref))),
      };
    },
    transitiveUserIds: (group) => {
      const { refs, users } = directory.transitiveMembers(groupIndex(group));
      return Array.from(refs.subarray(0, users), (ref) => directory.userId(ref));
    },
    addMembers: (group, members) => {
      const index = groupIndex(group);
      const refs = members.map(memberRef);
      for (const ref of refs) if (!isGroupRef(ref) && !directory.users.exists(ref)) throw invalid('existing user', ref);
      return refs.filter((ref) => directory.addMember(index, ref)).length;
    },
    removeMembers: (group, members) => {
      const index = groupIndex(group);
      return members.map(memberRef).filter((ref) => directory.removeMember(index, ref)).length;
    },
    disableUsers: (users) => eachUser(users, (index) => directory.setEnabled(index, false)),
    enableUsers: (users) => eachUser(users, (index) => directory.setEnabled(index, true)),
    deleteUsers: (users, options = {}) =>
      eachUser(users, (index) => directory.deleteUser(index, options.permanently === true)),
    restoreUsers: (users) => eachUser(users, (index) => directory.restoreUser(index)),
    addUsers: (count, attributes = {}) => {
      if (!Number.isInteger(count) || count < 0 || count > directory.reserveLeft) {
        throw new ConnectorError(
          ErrorCodes.SIMULATOR_INVALID_OPTIONS,
          `Cannot add ${count} users: ${directory.reserveLeft} left in the reserve (userCount minus directory.initialUsers)`,
          { details: { count, reserveLeft: directory.reserveLeft } },
        );
      }
      const groups = (attributes.groups ?? []).map(groupIndex);
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const index = directory.createUser({
          accountEnabled: attributes.accountEnabled ?? true,
          userType: attributes.userType ?? 'Member',
          hasTeams: true,
        });
        if (index === null) break;
        for (const group of groups) directory.addMember(group, index);
        ids.push(directory.userId(index));
      }
      return ids;
    },
    renameUser: (user, displayName) => directory.rename(userIndex(user), displayName),
    tick: (minutes = 1) => runtime.directoryChurn.tick(minutes),
    faults: () => structuredClone(runtime.directoryFaults),
    setFaults: (change) => {
      runtime.directoryFaults = mergeDirectoryFaults(runtime.directoryFaults, change);
    },
    expireDeltaLinks: () => runtime.deltaTokens.expireAll(),
    byteSize: () => directory.byteSize(),
  };
}
