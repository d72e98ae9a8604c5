/**
 * Options of the simulated Entra ID directory (users' directory attributes, groups, delta queries): the schema with
 * its defaults, kept apart from options.ts so that each stays readable. The interfaces are the public contract and
 * are checked against the schema at compile time, as in options.ts.
 */
import { z } from 'zod';
import { ConnectorError, ErrorCodes } from '../errors.js';

/** The application permissions the directory endpoints need (least privileged ones, as Graph documents them). */
export type DirectoryPermission = 'User.Read.All' | 'GroupMember.Read.All';
export const DIRECTORY_PERMISSIONS: readonly DirectoryPermission[] = ['User.Read.All', 'GroupMember.Read.All'];

/** One group of an explicit layout: direct members by user index, nested groups by index in the layout. */
export interface DirectoryGroupLayout {
  users?: number[];
  groups?: number[];
}

/** Weights of the kinds of change the automatic directory churn picks from (need not sum to 1). */
export interface DirectoryChangeWeights {
  addMember: number;
  removeMember: number;
  disable: number;
  enable: number;
  /** Soft delete (`@removed` reason `changed` in users/delta). */
  delete: number;
  /** A user of the reserve (see `initialUsers`) is created and joins a random group. */
  create: number;
}

/** Faults of the directory endpoints; change at run time with `directory.setFaults`. All off by default. */
export interface DirectoryFaults {
  /** How an expired or invalidated delta link is answered: 400 `syncStateNotFound` or 410 Gone `resyncRequired`. */
  expiredDeltaLinkStatus: 400 | 410;
  /** Permissions the application lacks: the endpoints that need one answer 403 `Authorization_RequestDenied`. */
  missingPermissions: DirectoryPermission[];
  /** Share of delta pages whose last entries (a tenth of the page, at least one) are served again on the next page. */
  duplicatePageShare: number;
  /** Share of delta pages answered with no entries and a nextLink (never twice in a row, so a round ends). */
  emptyPageShare: number;
  /** `present` (default): a 429 carries Retry-After; `absent`: it does not, and the client must back off alone. */
  throttleRetryAfter: 'present' | 'absent';
}

export interface DirectoryBudgetOptions {
  /**
   * Resource units per window per app per tenant; null (default): by tenant size as Graph documents it, 3,500 under
   * 50 users, 5,000 up to 500, 8,000 above.
   */
  resourceUnits: number | null;
  /** Graph's identity budget is per 10 seconds. */
  windowSeconds: number;
  /** `integer` (default): whole seconds, rounded up; `decimal`: seconds with three decimals. */
  retryAfterFormat: 'decimal' | 'integer';
}

export interface DirectoryOptions {
  /**
   * Users that exist in the directory at start: the first `initialUsers` of the population. The others are a
   * reserve that `addUsers` (and the `create` change) brings into the directory. Default: all of `userCount`.
   */
  initialUsers: number | null;
  /** Share of users with `userType: Guest`. */
  guestShare: number;
  /** Share of users with `accountEnabled: false`. */
  disabledShare: number;
  /** Groups generated at start (ignored with `groupLayout`). */
  groupCount: number;
  /** Depth of group nesting: 0 none; otherwise every group but the first is nested in one of lower level. */
  nestingDepth: number;
  /** Extra nestings that close a cycle (a group nested in one of its own descendants). */
  cycles: number;
  /** Share of existing users that are direct members of one generated group. */
  groupedUserShare: number;
  /** Share of grouped users that are direct members of a second group too. */
  secondGroupShare: number;
  /** Explicit groups instead of generated ones. */
  groupLayout: DirectoryGroupLayout[] | null;
  /** Entries per users/delta page and group objects per groups/delta page (Graph ignores `$top` on delta). */
  pageSize: number;
  /** `members@delta` entries per groups/delta page; a larger group continues on the next page. */
  membersPerPage: number;
  /** Age after which a delta link answers as expired. Graph: seven days for directory objects. */
  deltaLinkLifetimeSeconds: number;
  /** Automatic directory changes per minute of wall time (0: none). Also `directory.tick(minutes)`. */
  changesPerMinute: number;
  changeWeights: DirectoryChangeWeights;
  budget: DirectoryBudgetOptions;
  faults: DirectoryFaults;
}

export type DirectoryOptionsInput = Partial<
  Omit<DirectoryOptions, 'budget' | 'faults' | 'changeWeights'> & {
    budget: Partial<DirectoryBudgetOptions>;
    faults: Partial<DirectoryFaults>;
    changeWeights: Partial<DirectoryChangeWeights>;
  }
>;

export const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;
export const DEFAULT_DIRECTORY_PAGE_SIZE = 100;
export const DEFAULT_MEMBERS_PER_PAGE = 500;
export const DEFAULT_GROUP_COUNT = 10;
const MAX_GROUPS = 100_000;

const share = z.number().min(0).max(1);
const weight = z.number().min(0).max(1000);
const permission = z.enum(['User.Read.All', 'GroupMember.Read.All']);

export const directoryFaultsSchema = z
  .object({
    expiredDeltaLinkStatus: z.union([z.literal(400), z.literal(410)]).default(400),
    missingPermissions: z.array(permission).default([]),
    duplicatePageShare: share.default(0),
    emptyPageShare: share.default(0),
    throttleRetryAfter: z.enum(['present', 'absent']).default('present'),
  })
  .strict() satisfies z.ZodType<DirectoryFaults, Partial<DirectoryFaults>>;

const budgetSchema = z
  .object({
    resourceUnits: z.number().int().min(1).max(10_000_000).nullable().default(null),
    windowSeconds: z.number().gt(0).max(3600).default(10),
    retryAfterFormat: z.enum(['decimal', 'integer']).default('integer'),
  })
  .strict() satisfies z.ZodType<DirectoryBudgetOptions, Partial<DirectoryBudgetOptions>>;

const weightsSchema = z
  .object({
    addMember: weight.default(3),
    removeMember: weight.default(2),
    disable: weight.default(1),
    enable: weight.default(1),
    delete: weight.default(1),
    create: weight.default(2),
  })
  .strict() satisfies z.ZodType<DirectoryChangeWeights, Partial<DirectoryChangeWeights>>;

const groupLayoutSchema = z
  .object({
    users: z.array(z.number().int().min(0)).optional(),
    groups: z.array(z.number().int().min(0)).optional(),
  })
  .strict();

export const directorySchema = z
  .object({
    initialUsers: z.number().int().min(0).nullable().default(null),
    guestShare: share.default(0.05),
    disabledShare: share.default(0.02),
    groupCount: z.number().int().min(0).max(MAX_GROUPS).default(DEFAULT_GROUP_COUNT),
    nestingDepth: z.number().int().min(0).max(64).default(2),
    cycles: z.number().int().min(0).max(MAX_GROUPS).default(0),
    groupedUserShare: share.default(1),
    secondGroupShare: share.default(0.05),
    groupLayout: z.array(groupLayoutSchema).max(MAX_GROUPS).nullable().default(null),
    pageSize: z.number().int().min(1).max(10_000).default(DEFAULT_DIRECTORY_PAGE_SIZE),
    membersPerPage: z.number().int().min(1).max(100_000).default(DEFAULT_MEMBERS_PER_PAGE),
    deltaLinkLifetimeSeconds: z
      .number()
      .gt(0)
      .max(365 * 24 * 3600)
      .default(SEVEN_DAYS_SECONDS),
    changesPerMinute: z.number().min(0).max(1_000_000).default(0),
    changeWeights: weightsSchema.prefault({}),
    budget: budgetSchema.prefault({}),
    faults: directoryFaultsSchema.prefault({}),
  })
  .strict()
  .refine((options) => options.cycles === 0 || options.nestingDepth > 0 || options.groupLayout !== null, {
    message: 'cycles need nesting (nestingDepth > 0)',
    path: ['cycles'],
  })
  .refine((options) => layoutProblem(options.groupLayout) === null, {
    message: 'groupLayout refers to a group that is not in the layout',
    path: ['groupLayout'],
  }) satisfies z.ZodType<DirectoryOptions, DirectoryOptionsInput>;

function layoutProblem(layout: DirectoryGroupLayout[] | null): string | null {
  if (layout === null) return null;
  const bad = layout.find((group) => (group.groups ?? []).some((nested) => nested >= layout.length));
  return bad === undefined ? null : 'unknown nested group';
}

/** Graph's identity budget by tenant size: S under 50 users, M 50 to 500, L above. */
export function resourceUnitsForTenant(users: number): number {
  if (users < 50) return 3500;
  if (users <= 500) return 5000;
  return 8000;
}

/** Merges a partial change into the current directory faults and validates the result as a whole. */
export function mergeDirectoryFaults(current: DirectoryFaults, change: Partial<DirectoryFaults>): DirectoryFaults {
  const parsed = directoryFaultsSchema.safeParse({ ...current, ...change });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `directory.faults.${issue.path.join('.')}: ${issue.message}`);
    throw new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Invalid directory faults: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return parsed.data;
}
