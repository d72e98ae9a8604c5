/**
 * Builds the directory at start from the options: users' attributes (guests, disabled accounts, Teams from the
 * presence population), and groups either generated (members spread over groups, a nesting tree of bounded
 * depth, optional cycles) or given explicitly. Deterministic for a seed, with its own random stream so that the
 * presence population and churn stay what they were without a directory.
 */
import { Directory } from './directory.js';
import { groupRef } from './directory-groups.js';
import type { DirectoryGroupLayout, DirectoryOptions } from './directory-options.js';
import { chance, createRandom, randomInt, type Random } from './random.js';

/** `noTeams(index)`: the user has no Teams licence (the presence store's PresenceUnknown users). */
export function buildDirectory(
  options: DirectoryOptions,
  userCount: number,
  seed: number,
  noTeams: (index: number) => boolean,
): Directory {
  const random = createRandom(seed ^ 0x3c6ef372);
  const initialUsers = options.initialUsers ?? userCount;
  const groupCount = options.groupLayout?.length ?? options.groupCount;
  const directory = new Directory(userCount, groupCount, seed, initialUsers);
  for (let index = 0; index < initialUsers; index++) {
    directory.users.initialise(index, {
      accountEnabled: !chance(random, options.disabledShare),
      userType: chance(random, options.guestShare) ? 'Guest' : 'Member',
      hasTeams: !noTeams(index),
    });
  }
  if (options.groupLayout !== null) applyLayout(directory, options.groupLayout);
  else generateGroups(directory, options, initialUsers, random);
  return directory;
}

function applyLayout(directory: Directory, layout: DirectoryGroupLayout[]): void {
  layout.forEach((group, index) => {
    for (const user of [...new Set(group.users ?? [])].sort((a, b) => a - b)) directory.groups.seed(index, user);
    for (const nested of new Set(group.groups ?? [])) {
      if (nested !== index) directory.groups.seed(index, groupRef(nested));
    }
  });
}

function generateGroups(directory: Directory, options: DirectoryOptions, users: number, random: Random): void {
  const count = directory.groups.count;
  if (count === 0) return;
  // Users first and in index order: each group's member array is then built by appending, with no insertion.
  for (let user = 0; user < users; user++) {
    if (!chance(random, options.groupedUserShare)) continue;
    const first = randomInt(random, count);
    const second = count > 1 && chance(random, options.secondGroupShare) ? randomInt(random, count - 1) : -1;
    const other = second >= first ? second + 1 : second;
    directory.groups.seed(first, user);
    if (other >= 0) directory.groups.seed(other, user);
  }
  const parents = nest(directory, options.nestingDepth, random);
  addCycles(directory, parents, options.cycles, random);
}

/** Nests every group but the first in a random group of lower level; returns each group's parent (-1: a root). */
function nest(directory: Directory, depth: number, random: Random): Int32Array {
  const count = directory.groups.count;
  const parents = new Int32Array(count).fill(-1);
  if (depth === 0) return parents;
  const level = new Int32Array(count);
  // Candidates for a parent: groups whose level leaves room for one more below them.
  const open: number[] = [0];
  for (let group = 1; group < count; group++) {
    const parent = open[randomInt(random, open.length)] ?? 0;
    parents[group] = parent;
    level[group] = (level[parent] ?? 0) + 1;
    directory.groups.seed(parent, groupRef(group));
    if ((level[group] ?? 0) < depth) open.push(group);
  }
  return parents;
}

/** Nests an ancestor into one of its descendants, closing a cycle, `cycles` times (when the tree allows it). */
function addCycles(directory: Directory, parents: Int32Array, cycles: number, random: Random): void {
  const nested = [...parents.keys()].filter((group) => (parents[group] ?? -1) >= 0);
  for (let i = 0; i < cycles && nested.length > 0; i++) {
    const group = nested[randomInt(random, nested.length)] ?? 0;
    const ancestors: number[] = [];
    for (let up = parents[group] ?? -1; up >= 0; up = parents[up] ?? -1) ancestors.push(up);
    const ancestor = ancestors[randomInt(random, ancestors.length)] ?? 0;
    directory.groups.seed(group, groupRef(ancestor));
  }
}
