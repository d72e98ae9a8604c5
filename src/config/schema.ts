/**
 * The configuration schema: the single source of truth for validation, defaults, the TypeScript types of the
 * file format (`z.output`), the environment variable names and the generated configuration reference.
 *
 * Every setting carries `.meta(setting({...}))`: a description plus flags the loader and the doc generator read
 * (see `SettingMeta`). Cross-field rules that need no I/O live here too; checks that read files (secrets,
 * certificates, user-id files) are in the resolvers.
 *
 * The large sections live in their own files (schema-tenant.ts, schema-graph.ts, schema-kafka.ts, with the shared
 * building blocks in schema-common.ts); this file assembles them with the small sections and the cross-section rules.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { checkGuid, checkName, checkTopic, type FormatCheck } from './formats.js';
import { filePath, formatted, int, setting, whenValid, whenValidAt } from './schema-common.js';
import { discoveredShardNames, directoryTopic, discoverySchema, type AlsoAtParams } from './schema-discovery.js';
import { graphSchema } from './schema-graph.js';
import { kafkaSchema } from './schema-kafka.js';
import { quote } from './problems.js';
import { directoryTopicClashes } from './schema-outputs.js';
import { schemaRegistrySchema } from './schema-registry-settings.js';
import { tenantSchema } from './schema-tenant.js';

export { ENV_PREFIX, setting, type SettingMeta } from './schema-common.js';

const pollingSchema = z
  .strictObject({
    intervalSeconds: int(1, 86_400)
      .default(60)
      .meta(setting({ description: 'Seconds between the starts of two polling cycles of a shard.' })),
    startJitterSeconds: int(0, 86_400)
      .default(10)
      .meta(
        setting({
          description:
            'Shards start spread at random over this many seconds, so their requests do not all land at once.',
        }),
      ),
    resnapshotIntervalHours: int(0, 8_760)
      .default(0)
      .meta(
        setting({
          description:
            'Re-publish, as a SNAPSHOT, every unchanged user once per this many hours (0: never), for consumers of change topics with short retention. Each user has a fixed phase in the interval (a hash of its id), and at most twice the steady share of a batch goes out per cycle, so it never spikes the topic.',
        }),
      ),
  })
  .superRefine(
    (polling, ctx) => {
      const { intervalSeconds, startJitterSeconds } = polling;
      if (
        typeof intervalSeconds === 'number' &&
        typeof startJitterSeconds === 'number' &&
        startJitterSeconds > intervalSeconds
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['startJitterSeconds'],
          message: `must not exceed polling.intervalSeconds (${intervalSeconds})`,
        });
      }
    },
    whenValid('intervalSeconds', 'startJitterSeconds'),
  )
  .meta(setting({ description: 'Polling schedule.' }));

const shardSchema = z
  .strictObject({
    name: formatted(checkName).meta(
      setting({ description: 'Shard name, unique; letters, digits, ".", "_" and "-" (it becomes part of Kafka ids).' }),
    ),
    users: z
      .array(formatted(checkGuid))
      .optional()
      .meta(setting({ description: 'User object ids (GUIDs), inline.', format: 'GUID' })),
    usersFile: filePath()
      .optional()
      .meta(
        setting({
          description:
            'File of user object ids, one per line; "#" starts a comment; blank lines are ignored. Relative to the config file. May be combined with users.',
          format: 'path',
        }),
      ),
  })
  .superRefine((shard, ctx) => {
    if (shard.users === undefined && shard.usersFile === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs users (inline) or usersFile' });
    }
  }, whenValid());

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** observability.httpHost: an IPv4 or IPv6 address (no brackets), or a host name such as localhost. */
const checkBindAddress: FormatCheck = (value) => {
  if (isIP(value) !== 0) return undefined;
  if (value.length > 0 && value.length <= 253 && value.split('.').every((label) => HOST_LABEL.test(label))) {
    return undefined;
  }
  return `${quote(value)} is neither an IP address (such as 0.0.0.0, 127.0.0.1 or ::) nor a host name`;
};

/** The discovered shard names, or none while the section (not yet valid there) cannot say. */
function discoveredNames(discovery: { shardPrefix: string; shards: number }): string[] {
  if (typeof discovery !== 'object' || discovery === null) return [];
  const { shardPrefix, shards } = discovery;
  if (typeof shardPrefix !== 'string' || typeof shards !== 'number') return [];
  return discoveredShardNames(shardPrefix, shards);
}

export const configSchema = z
  .strictObject({
    connectorName: formatted(checkName)
      .default('presence-connector')
      .meta(setting({ description: 'Name of this connector instance: prefix of Kafka client and transactional ids.' })),
    tenant: tenantSchema,
    graph: graphSchema.prefault({}),
    kafka: kafkaSchema,
    schemaRegistry: schemaRegistrySchema.optional(),
    polling: pollingSchema.prefault({}),
    shards: z
      .array(shardSchema)
      .optional()
      .meta(
        setting({
          description:
            'Groups of users listed by hand and polled together; each user in exactly one shard. Config file only. At least one shard is needed when there is no discovery section; with one, shards may be left out or empty.',
          fileOnly: true,
        }),
      ),
    discovery: discoverySchema.optional(),
    shutdown: z
      .strictObject({
        timeoutSeconds: int(1, 600)
          .default(15)
          .meta(
            setting({
              description:
                'Seconds allowed for a graceful stop (finish in-flight requests, flush Kafka) before exiting anyway.',
            }),
          ),
      })
      .prefault({})
      .meta(setting({ description: 'Graceful shutdown.' })),
    assignment: z
      .strictObject({
        mode: z
          .enum(['dynamic', 'static'])
          .default('dynamic')
          .meta(
            setting({
              description:
                'dynamic: every worker with this config joins one Kafka consumer group and polls the shards the group assigns it; shards move when a worker joins, leaves or dies. ' +
                'static: this worker polls exactly assignment.shards (for deployments that place shards themselves, such as one pod per shard).',
            }),
          ),
        shards: z
          .array(formatted(checkName))
          .optional()
          .meta(
            setting({
              description:
                'With mode static: the shards this worker polls. In the environment or with run --shards: a comma-separated list.',
              defaultText: 'every shard',
            }),
          ),
        coordinationTopic: formatted(checkTopic)
          .optional()
          .meta(
            setting({
              description:
                'Topic with one partition per shard whose group membership assigns shards to workers (dynamic mode).',
              defaultText: '<connectorName>.shards',
            }),
          ),
        sessionTimeoutMs: int(6_000, 300_000)
          .default(10_000)
          .meta(
            setting({
              description:
                'A worker that has not been heard from for this long loses its shards to the others (dynamic mode).',
            }),
          ),
        heartbeatIntervalMs: int(500, 60_000)
          .default(3_000)
          .meta(
            setting({ description: 'How often a worker tells the group it is alive; well below sessionTimeoutMs.' }),
          ),
      })
      .prefault({})
      .meta(setting({ description: 'How shards are shared among workers.' })),
    observability: z
      .strictObject({
        logLevel: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .meta(setting({ description: 'Log level (pino).' })),
        httpHost: formatted(checkBindAddress)
          .default('0.0.0.0')
          .meta(
            setting({
              description:
                'Address the /metrics and health server listens on. The default, every IPv4 interface, is what a container needs: Kubernetes probes and Prometheus reach a pod by its IP, and a pod bound to 127.0.0.1 would never turn ready. 127.0.0.1 keeps the endpoints to this machine (a local agent scrapes them); "::" listens on every IPv6 interface (and IPv4 too on most systems); a host name listens on the address it resolves to.',
              format: 'IP address or host name',
            }),
          ),
        httpPort: int(0, 65_535)
          .default(9464)
          .meta(setting({ description: 'Port of the HTTP server for /metrics and health; 0 disables it.' })),
        summaryIntervalSeconds: int(0, 86_400)
          .default(60)
          .meta(
            setting({
              description:
                "Seconds between the summary lines at info level: one per owned shard (users polled, events published by kind, duplicates and stale dropped, cycles and the longest against the polling interval, watermark age) and one for the worker (Graph requests, 429s, use of its budget share, readiness). A shard with nothing new still reports, so a missing line means trouble. 0 turns them off; the first cycle's progress and readiness changes are logged either way.",
            }),
          ),
      })
      .prefault({})
      .meta(setting({ description: 'Logs, metrics and health.' })),
  })
  .superRefine((config, ctx) => {
    // Without discovery, the shards listed by hand are the only users: at least one shard, as before discovery.
    if (config.discovery !== undefined) return;
    if (config.shards === undefined) ctx.addIssue({ code: 'custom', path: ['shards'], message: 'is required' });
    else if (Array.isArray(config.shards) && config.shards.length === 0)
      ctx.addIssue({ code: 'custom', path: ['shards'], message: 'must not be empty' });
  }, whenValidAt())
  .superRefine(
    (config, ctx) => {
      if (config.assignment === undefined) return;
      const listed = (config.shards ?? []).map((shard) => shard.name);
      const discovered = config.discovery === undefined ? [] : discoveredNames(config.discovery);
      const known = new Set([...listed, ...discovered]);
      const where = config.discovery === undefined ? 'in shards' : 'in shards or among the discovered shards';
      config.assignment.shards?.forEach((name, index) => {
        if (!known.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['assignment', 'shards', index],
            message: `no shard named "${name}" ${where}`,
          });
        }
      });
      if (config.assignment.mode === 'dynamic' && config.assignment.shards !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['assignment', 'shards'],
          message: 'only allowed with assignment.mode static',
        });
      }
    },
    whenValidAt(['shards'], ['assignment'], ['discovery', 'shards'], ['discovery', 'shardPrefix']),
  )
  .superRefine(
    (config, ctx) => {
      const { discovery, shards } = config;
      if (discovery === undefined || shards === undefined) return;
      const discovered = new Set(discoveredNames(discovery));
      shards.forEach((shard, index) => {
        if (!discovered.has(shard.name)) return;
        const params: AlsoAtParams = { alsoAt: ['shards', index, 'name'] };
        ctx.addIssue({
          code: 'custom',
          path: ['discovery', 'shardPrefix'],
          message: `the discovered shard "${shard.name}" would have the name of a listed shard: choose another shardPrefix or rename that shard`,
          params,
        });
      });
    },
    whenValidAt(['shards'], ['discovery', 'shards'], ['discovery', 'shardPrefix']),
  )
  .superRefine(
    (config, ctx) => {
      const { connectorName, kafka, assignment, discovery } = config;
      const isMapping = (section: unknown): boolean => typeof section === 'object' && section !== null;
      if (discovery === undefined || !isMapping(discovery) || !isMapping(kafka) || !isMapping(assignment)) return;
      if (discovery.topic !== undefined && typeof discovery.topic !== 'string') return;
      const directory = { topic: discovery.topic, resolved: directoryTopic(connectorName, discovery.topic) };
      for (const clash of directoryTopicClashes({ connectorName, kafka, assignment, directory }))
        ctx.addIssue({ code: 'custom', path: clash.path, message: clash.message });
    },
    whenValidAt(
      ['connectorName'],
      ...['topic', 'table', 'watermarks', 'stateTopic'].map((key) => ['kafka', key]),
      ['assignment', 'coordinationTopic'],
      ['discovery', 'topic'],
    ),
  )
  .meta(setting({ description: 'Teams presence connector configuration.' }));

/** The configuration as the file (plus environment) describes it, after validation and defaults. */
export type FileConfig = z.output<typeof configSchema>;
/** What may be written: defaults make most settings optional. */
export type FileConfigInput = z.input<typeof configSchema>;
