/**
 * The `discovery` section of the configuration schema: users found in Entra ID (a group's transitive members, or
 * the whole tenant) instead of listed by hand, spread over shards of their own by a stable hash of the user id.
 * Also the names and the resolved shape derived from it (`DiscoveryConfig`).
 */
import { z } from 'zod';
import { checkGuid, checkName, checkTopic, NAME_MAX_LENGTH, type FormatCheck } from './formats.js';
import { isGuid } from './guid.js';
import { formatted, int, setting, whenValid } from './schema-common.js';
import type { DiscoveryConfig, DiscoverySource } from './types.js';

/** Groups one configuration may watch (the directory keeps one membership bit per group). */
export const MAX_DISCOVERY_GROUPS = 26;
/** At most this many discovered shards: the widest index is three digits. */
export const MAX_DISCOVERED_SHARDS = 1_000;
/** A prefix leaves room for `-` and a three-digit index within a shard name's length. */
const PREFIX_MAX_LENGTH = NAME_MAX_LENGTH - 4;

const checkShardPrefix: FormatCheck = (value) =>
  checkName(value) ??
  (value.length > PREFIX_MAX_LENGTH
    ? `must be at most ${PREFIX_MAX_LENGTH} characters ("-" and the shard index follow it in a shard name)`
    : undefined);

/** `discovered-0` .. `discovered-7`; with 16 shards `discovered-00` .. `discovered-15`: names sort in index order. */
export function discoveredShardNames(prefix: string, shards: number): string[] {
  const width = String(Math.max(0, shards - 1)).length;
  return Array.from({ length: shards }, (_, index) => `${prefix}-${String(index).padStart(width, '0')}`);
}

/** The directory topic: the configured one, or `<connectorName>.directory`. */
export function directoryTopic(connectorName: string, topic: string | undefined): string {
  return topic ?? `${connectorName}.directory`;
}

/** `params` of a custom issue that points at a second place (the first occurrence): an absolute setting path. */
export interface AlsoAtParams {
  alsoAt: (string | number)[];
}

const sourceSchema = z
  .strictObject({
    type: z.enum(['tenant', 'group']).meta(
      setting({
        description:
          'tenant: every enabled user account of the tenant, read with the users delta query (application permission User.Read.All). ' +
          'group: the users among the transitive members of one group, nested groups included (application permission GroupMember.Read.All).',
      }),
    ),
    includeGuests: z
      .boolean()
      .optional()
      .meta(
        setting({
          description:
            'With type tenant: watch guest accounts (userType Guest) too; members only when false. Not allowed with type group: a group source takes every user the group holds, guests included, since someone put them there.',
          defaultText: 'false',
        }),
      ),
    groupId: formatted(checkGuid)
      .optional()
      .meta(
        setting({
          description:
            'With type group, required: the object id of the group (its Object ID in the Entra admin center). Not allowed with type tenant.',
          format: 'GUID',
        }),
      ),
  })
  .superRefine((source, ctx) => {
    if (source.type === 'group') {
      if (source.groupId === undefined)
        ctx.addIssue({ code: 'custom', path: [], message: 'a source of type group needs groupId' });
      if (source.includeGuests !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['includeGuests'],
          message: 'only for type tenant: a group source takes every user member of the group, guests included',
        });
    } else if (source.groupId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['groupId'],
        message: 'only for type group: the tenant source takes every user of the tenant',
      });
    }
  }, whenValid('type'));

type SourceOutput = z.output<typeof sourceSchema>;

/**
 * A group listed twice, or the tenant twice: a problem at the second, pointing at the first. Runs even when other
 * sources failed (the values it reads are checked here), so these come in the same pass.
 */
function checkRepeatedSources(sources: readonly SourceOutput[], ctx: z.core.$RefinementCtx): void {
  if (!Array.isArray(sources)) return;
  const firstGroup = new Map<string, number>();
  let firstTenant: number | undefined;
  sources.forEach((source: SourceOutput | undefined, index) => {
    if (typeof source !== 'object' || source === null) return;
    if (source.type === 'tenant') {
      if (firstTenant === undefined) firstTenant = index;
      else {
        const params: AlsoAtParams = { alsoAt: ['discovery', 'sources', firstTenant] };
        ctx.addIssue({ code: 'custom', path: ['sources', index], message: 'the tenant is listed twice', params });
      }
      return;
    }
    if (source.type !== 'group' || typeof source.groupId !== 'string' || !isGuid(source.groupId)) return;
    const id = source.groupId.toLowerCase();
    const first = firstGroup.get(id);
    if (first === undefined) {
      firstGroup.set(id, index);
      return;
    }
    const params: AlsoAtParams = { alsoAt: ['discovery', 'sources', first, 'groupId'] };
    ctx.addIssue({
      code: 'custom',
      path: ['sources', index, 'groupId'],
      message: `group ${id} is listed twice`,
      params,
    });
  });
  if (firstGroup.size > MAX_DISCOVERY_GROUPS) {
    ctx.addIssue({
      code: 'custom',
      path: ['sources'],
      message: `at most ${MAX_DISCOVERY_GROUPS} groups (found ${firstGroup.size}): watch a parent group holding them (nested groups count) or the tenant`,
    });
  }
}

export const discoverySchema = z
  .strictObject({
    sources: z
      .array(sourceSchema)
      .min(1)
      .meta(
        setting({
          description:
            'Where users are found; several may be combined, and a user found by more than one source is watched once. Config file only.',
          fileOnly: true,
        }),
      ),
    shards: int(1, MAX_DISCOVERED_SHARDS)
      .default(8)
      .meta(
        setting({
          description:
            "Number of shards the discovered users are spread over by a stable hash of the user's object id: a user keeps its shard while others join and leave, and only changing this number moves users. " +
            'Shards are what workers share (assignment), so have at least as many as workers; each costs a Kafka transactional producer and ceil(users / graph.batchSize) requests per cycle.',
        }),
      ),
    shardPrefix: formatted(checkShardPrefix)
      .default('discovered')
      .meta(
        setting({
          description:
            'The discovered shards are named <shardPrefix>-<index>, the index zero-padded to the width of the largest (discovered-0..discovered-7; with 16 shards discovered-00..discovered-15). ' +
            'They must not collide with a shard listed in shards; assignment.shards may name them.',
        }),
      ),
    intervalSeconds: int(10, 86_400)
      .default(300)
      .meta(
        setting({
          description:
            'Seconds between the starts of two discovery rounds. A round after the first reads only what changed (a delta query), so it is cheap; a user who joins is polled from the next presence cycle after the round that finds it.',
        }),
      ),
    followIntervalSeconds: int(1, 3_600)
      .default(15)
      .meta(
        setting({
          description:
            'Seconds between two reads of the directory topic by a worker that does not run discovery itself, so that every worker sees a change soon after it is written. At most discovery.intervalSeconds.',
        }),
      ),
    topic: formatted(checkTopic)
      .optional()
      .meta(
        setting({
          description:
            'Compacted topic holding the watched set and the delta links, created at start if missing: a restart resumes incrementally instead of reading the whole directory again, and every worker derives the same shards from it.',
          defaultText: '<connectorName>.directory',
        }),
      ),
    requestBudget: z
      .strictObject({
        maxRequests: int(1, 100_000)
          .default(300)
          .meta(setting({ description: 'Directory requests allowed per window.' })),
        windowSeconds: int(1, 3_600)
          .default(10)
          .meta(setting({ description: 'Length of the budget window, in seconds.' })),
      })
      .prefault({})
      .meta(
        setting({
          description:
            "The directory's own request budget, apart from presence's (graph.requestBudget), so that reading the directory never delays presence polling. " +
            "Graph throttles directory reads per app per tenant in resource units per 10 s: 3,500 for a tenant under 50 users, 5,000 up to 500 users, 8,000 above; a delta or list request costs a few units. The default, 300 requests per 10 s, stays inside the smallest tier even at 10 units a request, and reads a tenant of 1,000,000 users (10,000 pages) in about six minutes; a 429's Retry-After is honoured on top.",
        }),
      ),
    concurrency: int(1, 16)
      .default(2)
      .meta(
        setting({
          description:
            'Directory requests in flight at once (sources are read in parallel up to this many; the pages of one source follow each other).',
        }),
      ),
    estimatedUsers: int(1, 100_000_000)
      .optional()
      .meta(
        setting({
          description:
            'The number of users discovery is expected to find. Used only by check-config, to work out the presence requests per cycle of the discovered shards against graph.requestBudget; the connector itself counts what it finds.',
        }),
      ),
  })
  .superRefine(
    (discovery, ctx) => {
      const { intervalSeconds, followIntervalSeconds } = discovery;
      if (followIntervalSeconds > intervalSeconds) {
        ctx.addIssue({
          code: 'custom',
          path: ['followIntervalSeconds'],
          message: `must not exceed discovery.intervalSeconds (${intervalSeconds})`,
        });
      }
    },
    whenValid('intervalSeconds', 'followIntervalSeconds'),
  )
  .superRefine((discovery, ctx) => checkRepeatedSources(discovery.sources, ctx), whenValid())
  .meta(
    setting({
      description:
        'Users found in Entra ID instead of listed by hand: the members of groups (nested groups included) or the whole tenant, kept current with delta queries. ' +
        'They are spread over shards of their own; a user also listed in shards is polled there (explicit shards win). With this section, shards may be left out.',
    }),
  );

export type DiscoveryFileConfig = z.output<typeof discoverySchema>;

/** The validated section, resolved: group ids lowercase, shard names and the topic worked out. */
export function resolveDiscovery(discovery: DiscoveryFileConfig, connectorName: string): DiscoveryConfig {
  const { sources, shards, shardPrefix, topic, requestBudget, estimatedUsers, ...rest } = discovery;
  return {
    sources: sources.map(resolveSource),
    shardNames: discoveredShardNames(shardPrefix, shards),
    ...rest,
    topic: directoryTopic(connectorName, topic),
    requestBudget: { ...requestBudget },
    ...(estimatedUsers === undefined ? {} : { estimatedUsers }),
  };
}

function resolveSource(source: SourceOutput): DiscoverySource {
  if (source.type === 'tenant') return { type: 'tenant', includeGuests: source.includeGuests ?? false };
  if (source.groupId === undefined) throw new Error('config: unvalidated group source without groupId');
  return { type: 'group', groupId: source.groupId.toLowerCase() };
}
