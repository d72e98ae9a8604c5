/**
 * The `simulate` command's directory flags: their parseArgs specs, usage lines, the mapping to `directory` options,
 * and the lines that describe the directory once started. Kept apart from cli.ts, which owns the other flags.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import {
  DEFAULT_DIRECTORY_PAGE_SIZE,
  DEFAULT_GROUP_COUNT,
  DIRECTORY_PERMISSIONS,
  resourceUnitsForTenant,
  type DirectoryOptionsInput,
  type DirectoryPermission,
} from './directory-options.js';
import type { GraphSimulator } from './simulator-handle.js';

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export const DIRECTORY_CLI_FLAGS = {
  'directory-users': { type: 'string' },
  groups: { type: 'string' },
  nesting: { type: 'string' },
  cycles: { type: 'string' },
  guests: { type: 'string' },
  disabled: { type: 'string' },
  'directory-churn': { type: 'string' },
  'directory-budget': { type: 'string' },
  'page-size': { type: 'string' },
  'members-per-page': { type: 'string' },
  'delta-link-lifetime': { type: 'string' },
  'missing-permission': { type: 'string', multiple: true },
} as const;

export const DIRECTORY_CLI_USAGE = `Directory (users/delta, groups/delta, group members):
  --directory-users N      users in the directory at start (default: all; the rest is a reserve for new users)
  --groups N               generated groups (default ${DEFAULT_GROUP_COUNT})
  --nesting D              depth of group nesting (default 2; 0: no nested groups)
  --cycles N               nestings that close a cycle (default 0)
  --guests SHARE           share of guest users (default 0.05)
  --disabled SHARE         share of disabled accounts (default 0.02)
  --directory-churn N      directory changes per minute (default 0)
  --directory-budget SPEC  resource units per app: 8000 (per 10 s) or 8000/10s (default by tenant size)
  --page-size N            users (groups) per delta page (default ${DEFAULT_DIRECTORY_PAGE_SIZE})
  --members-per-page N     members@delta entries per page (default 500)
  --delta-link-lifetime S  seconds a delta link stays valid (default 604800: 7 days)
  --missing-permission P   the app lacks User.Read.All or GroupMember.Read.All (repeatable)`;

function invalidFlag(flag: string, value: string, expected: string): ConnectorError {
  return new ConnectorError(
    ErrorCodes.SIMULATOR_INVALID_OPTIONS,
    `Invalid --${flag} '${value}': expected ${expected}`,
    { details: { flag, value } },
  );
}

function text(values: FlagValues, flag: string): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : undefined;
}

function number(values: FlagValues, flag: string): number | undefined {
  const value = text(values, flag);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw invalidFlag(flag, value, 'a number');
  return parsed;
}

/** `8000` or `8000/10s` (the `s` is optional). */
export function parseDirectoryBudget(value: string): { resourceUnits: number; windowSeconds?: number } {
  const match = /^(\d+)(?:\/(\d+(?:\.\d+)?)s?)?$/.exec(value);
  if (match === null) throw invalidFlag('directory-budget', value, 'UNITS or UNITS/SECONDSs, e.g. 8000/10s');
  const resourceUnits = Number(match[1]);
  return match[2] === undefined ? { resourceUnits } : { resourceUnits, windowSeconds: Number(match[2]) };
}

function permissions(values: FlagValues): DirectoryPermission[] | undefined {
  const given = values['missing-permission'];
  if (given === undefined) return undefined;
  const list = (Array.isArray(given) ? given : [given]).map(String);
  return list.map((value) => {
    const known = DIRECTORY_PERMISSIONS.find((permission) => permission.toLowerCase() === value.toLowerCase());
    if (known === undefined) throw invalidFlag('missing-permission', value, DIRECTORY_PERMISSIONS.join(' or '));
    return known;
  });
}

/** The `directory` options the flags ask for; undefined when no directory flag was given. */
export function directoryOptionsFromFlags(values: FlagValues): DirectoryOptionsInput | undefined {
  const options: DirectoryOptionsInput = {};
  const assign = <K extends keyof DirectoryOptionsInput>(key: K, value: DirectoryOptionsInput[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  assign('initialUsers', number(values, 'directory-users'));
  assign('groupCount', number(values, 'groups'));
  assign('nestingDepth', number(values, 'nesting'));
  assign('cycles', number(values, 'cycles'));
  assign('guestShare', number(values, 'guests'));
  assign('disabledShare', number(values, 'disabled'));
  assign('changesPerMinute', number(values, 'directory-churn'));
  assign('pageSize', number(values, 'page-size'));
  assign('membersPerPage', number(values, 'members-per-page'));
  assign('deltaLinkLifetimeSeconds', number(values, 'delta-link-lifetime'));
  const budget = text(values, 'directory-budget');
  if (budget !== undefined) options.budget = parseDirectoryBudget(budget);
  const missing = permissions(values);
  if (missing !== undefined) options.faults = { missingPermissions: missing };
  return Object.keys(options).length === 0 ? undefined : options;
}

/** Lines describing the running directory, for the start banner. */
export function describeDirectory(simulator: GraphSimulator, options: DirectoryOptionsInput = {}): string[] {
  const { directory } = simulator;
  const users = options.initialUsers ?? simulator.userCount;
  const units = options.budget?.resourceUnits ?? resourceUnitsForTenant(users);
  const missing = options.faults?.missingPermissions ?? [];
  return [
    `  Directory        ${users} users, ${directory.groupCount} groups${directory.groupCount > 0 ? ` (first ${directory.groupIdAt(0)})` : ''}, reserve ${directory.reserveLeft()}`,
    `                   GET /v1.0/users/delta, /v1.0/groups/delta, /v1.0/groups/{id}/members, .../transitiveMembers`,
    `  Directory budget ${units} resource units per ${options.budget?.windowSeconds ?? 10} s per app (own budget)`,
    `  Permissions      ${missing.length === 0 ? 'all granted' : `missing ${missing.join(', ')}`}`,
  ];
}
