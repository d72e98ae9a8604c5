/**
 * Users and groups as Graph serialises them, with `$select`: which properties exist, which ones a response without
 * `$select` carries (Graph's default set), and which tracked property each one is (for `$select`-aware delta).
 */
import type { Directory } from './directory.js';
import { isGroupRef, refIndex } from './directory-groups.js';
import { ALL_TRACKED, TRACKED } from './directory-users.js';

/** Plans every simulated user has; Teams' (service `TeamspaceAPI`) is added for users with Teams. */
const EXCHANGE_PLAN = {
  assignedDateTime: '2024-01-15T09:30:00Z',
  capabilityStatus: 'Enabled',
  service: 'exchange',
  servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
};
const TEAMS_PLAN = {
  assignedDateTime: '2024-01-15T09:30:00Z',
  capabilityStatus: 'Enabled',
  service: 'TeamspaceAPI',
  servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929',
};

const USER_PROPERTIES = [
  'id',
  'displayName',
  'givenName',
  'surname',
  'userPrincipalName',
  'mail',
  'accountEnabled',
  'userType',
  'assignedPlans',
  'businessPhones',
  'jobTitle',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
] as const;
type UserProperty = (typeof USER_PROPERTIES)[number];

/** What Graph returns for a user without `$select` (its documented default set). */
const DEFAULT_USER_PROPERTIES: readonly UserProperty[] = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

const GROUP_PROPERTIES = [
  'id',
  'displayName',
  'description',
  'mailNickname',
  'groupTypes',
  'securityEnabled',
  'mailEnabled',
  'members',
] as const;
type GroupProperty = (typeof GROUP_PROPERTIES)[number];
const DEFAULT_GROUP_PROPERTIES: readonly GroupProperty[] = GROUP_PROPERTIES;

const GROUP_NAMES = 'Staff,Engineering,Sales,Marketing,Finance,Support,Operations,Legal,Research,Design'.split(',');

export type Select<P extends string> = { ok: true; properties: readonly P[]; given: string | null } | SelectError;
export interface SelectError {
  ok: false;
  message: string;
}

function parseSelect<P extends string>(
  raw: string | null,
  known: readonly P[],
  defaults: readonly P[],
  type: string,
): Select<P> {
  if (raw === null || raw.trim() === '') return { ok: true, properties: defaults, given: null };
  const byLower = new Map(known.map((name) => [name.toLowerCase(), name]));
  const properties: P[] = [];
  for (const part of raw.split(',')) {
    const name = byLower.get(part.trim().toLowerCase());
    if (name === undefined) {
      return { ok: false, message: `Could not find a property named '${part.trim()}' on type '${type}'.` };
    }
    if (!properties.includes(name)) properties.push(name);
  }
  return { ok: true, properties, given: raw };
}

export function parseUserSelect(raw: string | null): Select<UserProperty> {
  return parseSelect(raw, USER_PROPERTIES, DEFAULT_USER_PROPERTIES, 'microsoft.graph.user');
}

export function parseGroupSelect(raw: string | null): Select<GroupProperty> {
  return parseSelect(raw, GROUP_PROPERTIES, DEFAULT_GROUP_PROPERTIES, 'microsoft.graph.group');
}

/** The tracked properties a user `$select` covers; without `$select` Graph tracks every property. */
export function trackedMask(select: Select<UserProperty> & { ok: true }): number {
  if (select.given === null) return ALL_TRACKED;
  let mask = 0;
  for (const property of select.properties) {
    if (property === 'displayName') mask |= TRACKED.displayName;
    if (property === 'accountEnabled') mask |= TRACKED.accountEnabled;
    if (property === 'userType') mask |= TRACKED.userType;
  }
  return mask;
}

/** A user with the selected properties; `id` always (Graph returns it whether selected or not). */
export function userObject(directory: Directory, index: number, properties: readonly UserProperty[]): object {
  const attributes = directory.users.attributes(index);
  const names = directory.users.names(index);
  const values: Record<UserProperty, unknown> = {
    id: directory.userId(index),
    displayName: names.displayName,
    givenName: names.givenName,
    surname: names.surname,
    userPrincipalName: names.userPrincipalName,
    mail: names.mail,
    accountEnabled: attributes.accountEnabled,
    userType: attributes.userType,
    assignedPlans: attributes.hasTeams ? [EXCHANGE_PLAN, TEAMS_PLAN] : [EXCHANGE_PLAN],
    businessPhones: [],
    jobTitle: null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
  };
  const out: Record<string, unknown> = {};
  for (const property of properties) out[property] = values[property];
  if (!properties.includes('id')) out['id'] = values.id;
  return out;
}

/** A removed user in users/delta: only its id and why (`changed`: in the recycle bin; `deleted`: gone). */
export function removedUser(directory: Directory, index: number): object {
  const reason = directory.users.state(index) === 'softDeleted' ? 'changed' : 'deleted';
  return { id: directory.userId(index), '@removed': { reason } };
}

export function groupDisplayName(index: number): string {
  const name = GROUP_NAMES[index % GROUP_NAMES.length] ?? 'Group';
  return index < GROUP_NAMES.length ? name : `${name} ${Math.floor(index / GROUP_NAMES.length) + 1}`;
}

/** A group's own properties (not `members`), as selected. */
export function groupObject(directory: Directory, index: number, properties: readonly GroupProperty[]): object {
  const displayName = groupDisplayName(index);
  const values: Record<Exclude<GroupProperty, 'members'>, unknown> = {
    id: directory.groupId(index),
    displayName,
    description: `Simulated group ${displayName}`,
    mailNickname: displayName.toLowerCase().replace(/[^a-z0-9]/g, ''),
    groupTypes: [],
    securityEnabled: true,
    mailEnabled: false,
  };
  const out: Record<string, unknown> = {};
  for (const property of properties) if (property !== 'members') out[property] = values[property];
  if (!properties.includes('id')) out['id'] = values.id;
  return out;
}

/** A member in `members@delta` or a directoryObject listing: its type and id, and `@removed` when it left. */
export function memberEntry(directory: Directory, ref: number, removed: boolean): object {
  const entry: Record<string, unknown> = isGroupRef(ref)
    ? { '@odata.type': '#microsoft.graph.group', id: directory.groupId(refIndex(ref)) }
    : { '@odata.type': '#microsoft.graph.user', id: directory.userId(ref) };
  if (removed) entry['@removed'] = { reason: 'deleted' };
  return entry;
}
