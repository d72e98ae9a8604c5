/**
 * The configuration schema: the single source of truth for validation, defaults, the TypeScript types of the
 * file format (`z.output`), the environment variable names and the generated configuration reference.
 *
 * Every setting carries `.meta(setting({...}))`: a description plus flags the loader and the doc generator read
 * (see `SettingMeta`). Cross-field rules that need no I/O live here too; checks that read files (secrets,
 * certificates, user-id files) are in the resolvers.
 */
import { z } from 'zod';
import { CLOUD_NAMES, isCloudName, NATIONAL_CLOUDS } from './clouds.js';
import {
  checkBroker,
  checkGuid,
  checkHttpsOrigin,
  checkName,
  checkProxyUrl,
  checkServerName,
  checkTenantId,
  checkThumbprintSha256,
  checkTopic,
  type FormatCheck,
} from './formats.js';

/** What a setting tells the loader and the doc generator, besides its type and default. */
export type SettingMeta = {
  description: string;
  /** The value is a credential: wrapped in `Secret`, never printed. */
  secret?: boolean;
  /** Only from the environment: writing it in the config file is an error. */
  envOnly?: boolean;
  /** For an env-only secret: the setting that names a file holding it instead. */
  secretFileSetting?: string;
  /** Only in the config file: no environment override. */
  fileOnly?: boolean;
  /** For a default computed from other settings: says from what. */
  defaultText?: string;
  /** What a string holds, for the reference: `GUID`, `path`, `host:port`. */
  format?: string;
};

/** Typed wrapper for `.meta()`, so every setting's metadata has the same checked shape. */
export function setting(meta: SettingMeta): SettingMeta {
  return meta;
}

/** Environment variable prefix; the rest is the setting path in SCREAMING_SNAKE_CASE. */
export const ENV_PREFIX = 'PRESENCE_';

function formatted(check: FormatCheck): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
}

function int(min: number, max: number): z.ZodNumber {
  return z.int().min(min).max(max);
}

function filePath(): z.ZodString {
  return z.string().min(1);
}

/**
 * Runs an object-level rule even when other fields of the object failed (so every problem is reported in one
 * pass), but not when one of the fields the rule compares failed (that would only repeat the problem).
 */
function whenValid(...fields: string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  return {
    when: (payload) =>
      typeof payload.value === 'object' &&
      payload.value !== null &&
      !payload.issues.some((issue) => typeof issue.path?.[0] === 'string' && fields.includes(issue.path[0])),
  };
}

const RELATIVE_PATHS =
  'A relative path resolves against the directory of the config file (or, when set by environment variable, the working directory).';

const certificateSchema = z
  .strictObject({
    privateKey: z
      .string()
      .min(1)
      .optional()
      .meta(
        setting({
          format: 'PEM',
          description:
            'PEM private key of the certificate. Environment only, never in the config file; or use privateKeyFile. Literal "\\n" sequences are turned into newlines.',
          secret: true,
          envOnly: true,
          secretFileSetting: 'tenant.certificate.privateKeyFile',
        }),
      ),
    privateKeyFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of the PEM private key (unencrypted PKCS#8 or PKCS#1). ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    thumbprintSha256: formatted(checkThumbprintSha256).meta(
      setting({
        description:
          'SHA-256 thumbprint of the certificate uploaded to the app registration: 64 hex digits (colons allowed).',
        format: 'hex',
      }),
    ),
    certificateFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of the PEM certificate (chain). Optional: when set it is sent as x5c (subject name/issuer authentication) and checked against the thumbprint and the private key. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
  })
  .meta(setting({ description: 'Certificate credential: the alternative to a client secret.' }));

const tenantSchema = z
  .strictObject({
    id: formatted(checkTenantId).meta(
      setting({
        description: 'Directory (tenant) id: the tenant GUID or a verified domain such as contoso.onmicrosoft.com.',
        format: 'GUID or domain',
      }),
    ),
    clientId: formatted(checkGuid).meta(
      setting({
        description:
          'Application (client) id of the app registration holding the Presence.Read.All application permission.',
        format: 'GUID',
      }),
    ),
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .meta(
        setting({
          description:
            'Client secret of the app registration. Environment only, never in the config file; or use clientSecretFile.',
          secret: true,
          envOnly: true,
          secretFileSetting: 'tenant.clientSecretFile',
        }),
      ),
    clientSecretFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of a file holding the client secret (e.g. a mounted Docker or Kubernetes secret); surrounding whitespace is ignored. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    certificate: certificateSchema.optional(),
  })
  .meta(
    setting({
      description:
        'The Entra ID tenant and the app registration the connector signs in as. Exactly one credential: a client secret or a certificate.',
    }),
  );

const requestBudgetSchema = z
  .strictObject({
    maxRequests: int(1, 1_000_000)
      .default(1500)
      .meta(
        setting({
          description:
            'Requests allowed per window for this application in this tenant. Microsoft documents 1,500 per 30 s for presence (one page says 10,000).',
        }),
      ),
    windowSeconds: int(1, 3600)
      .default(30)
      .meta(setting({ description: 'Length of the request budget window, in seconds.' })),
  })
  .meta(setting({ description: "Client-side request budget, kept below Graph's throttling limit." }));

const backoffSchema = z
  .strictObject({
    initialMs: int(1, 600_000)
      .default(1000)
      .meta(
        setting({
          description: 'First retry delay when Graph gives no Retry-After, in milliseconds; doubles per attempt.',
        }),
      ),
    maxMs: int(1, 3_600_000)
      .default(60_000)
      .meta(setting({ description: 'Upper bound for one retry delay, in milliseconds.' })),
    maxAttempts: int(1, 100)
      .default(5)
      .meta(
        setting({
          description: 'Attempts per request, the first included, before the batch is given up for this cycle.',
        }),
      ),
  })
  .superRefine(
    (backoff, ctx) => {
      if (
        typeof backoff.initialMs === 'number' &&
        typeof backoff.maxMs === 'number' &&
        backoff.maxMs < backoff.initialMs
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxMs'],
          message: `must be at least backoff.initialMs (${backoff.initialMs})`,
        });
      }
    },
    whenValid('initialMs', 'maxMs'),
  )
  .meta(
    setting({
      description: 'Retry policy for throttled (429) and unavailable (503/504) responses without Retry-After.',
    }),
  );

const graphSchema = z
  .strictObject({
    cloud: z
      .enum(CLOUD_NAMES)
      .default('global')
      .meta(
        setting({
          description:
            'Microsoft cloud: global, usgov (US Government L4), usgov-dod (US Government L5) or custom (graphUrl and authorityUrl given, e.g. a simulator). Presence is not offered in the China cloud.',
        }),
      ),
    graphUrl: formatted(checkHttpsOrigin)
      .optional()
      .meta(
        setting({
          description:
            'Graph service root (https origin, no path). Derived from cloud; required, and only allowed, when cloud is custom.',
          format: 'https URL',
          defaultText: 'derived from graph.cloud',
        }),
      ),
    authorityUrl: formatted(checkHttpsOrigin)
      .optional()
      .meta(
        setting({
          description:
            'Entra ID authority host (https origin, no path; the tenant is appended). Derived from cloud; required, and only allowed, when cloud is custom.',
          format: 'https URL',
          defaultText: 'derived from graph.cloud',
        }),
      ),
    apiVersion: z
      .enum(['v1.0', 'beta'])
      .default('v1.0')
      .meta(setting({ description: 'Graph API version. beta exists only in the global cloud (or custom).' })),
    batchSize: int(1, 650)
      .default(650)
      .meta(setting({ description: 'User ids per getPresencesByUserId request (Graph allows at most 650).' })),
    concurrency: int(1, 64)
      .default(4)
      .meta(setting({ description: 'Requests in flight at once, across all shards.' })),
    requestTimeoutMs: int(1000, 600_000)
      .default(30_000)
      .meta(setting({ description: 'Timeout of one Graph request, in milliseconds.' })),
    requestBudget: requestBudgetSchema.prefault({}),
    backoff: backoffSchema.prefault({}),
    caFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Extra PEM CA bundle trusted for Graph and sign-in (corporate TLS inspection, or the simulator's self-signed certificate), and for an https proxy. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    proxyUrl: formatted(checkProxyUrl)
      .optional()
      .meta(
        setting({
          description:
            'HTTP(S) proxy for sign-in and Graph requests (one CONNECT tunnel per connection), e.g. http://proxy.example.com:3128. ' +
            'When unset, the standard HTTPS_PROXY / HTTP_PROXY variables apply (lowercase too), and they may carry proxy credentials, which this setting may not. ' +
            'NO_PROXY is honoured either way.',
          format: 'URL',
          defaultText: 'HTTPS_PROXY / HTTP_PROXY from the environment, else direct',
        }),
      ),
  })
  .superRefine((graph, ctx) => {
    if (!isCloudName(graph.cloud)) return;
    for (const key of ['graphUrl', 'authorityUrl'] as const) {
      const value = graph[key];
      if (graph.cloud === 'custom') {
        if (value === undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'is required when graph.cloud is custom' });
      } else if (value !== undefined) {
        const derived = NATIONAL_CLOUDS[graph.cloud][key];
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is only allowed when graph.cloud is custom (the ${graph.cloud} cloud uses ${derived})`,
        });
      }
    }
    if (graph.apiVersion === 'beta' && graph.cloud !== 'custom' && !NATIONAL_CLOUDS[graph.cloud].betaAvailable) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiVersion'],
        message: `beta is not offered in the ${NATIONAL_CLOUDS[graph.cloud].label} cloud (${graph.cloud}); use v1.0`,
      });
    }
  }, whenValid('cloud'))
  .meta(setting({ description: 'Microsoft Graph: cloud, API version, request shape and limits.' }));

const TLS_OPTIONS = ['caFile', 'certFile', 'key', 'keyFile', 'servername'] as const;

const kafkaTlsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .meta(
        setting({ description: 'Connect to the brokers over TLS (listeners with security protocol SSL or SASL_SSL).' }),
      ),
    caFile: filePath()
      .optional()
      .meta(
        setting({
          description: `PEM CA bundle the broker certificates must chain to. It replaces Node's public roots, as a Kafka truststore does; leave it unset for brokers with publicly trusted certificates (Confluent Cloud, Azure Event Hubs). ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    certFile: filePath()
      .optional()
      .meta(
        setting({
          description: `PEM client certificate (chain) for brokers that require one (ssl.client.auth=required, mTLS); needs a key. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    key: z
      .string()
      .min(1)
      .optional()
      .meta(
        setting({
          format: 'PEM',
          description:
            'PEM private key of the client certificate. Environment only, never in the config file; or use keyFile. Literal "\\n" sequences are turned into newlines.',
          secret: true,
          envOnly: true,
          secretFileSetting: 'kafka.tls.keyFile',
        }),
      ),
    keyFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of the unencrypted PEM private key of the client certificate. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'Refuse brokers whose certificate does not chain to a trusted CA or does not name the broker. Turn off only to diagnose, never in production.',
        }),
      ),
    servername: formatted(checkServerName)
      .optional()
      .meta(
        setting({
          description:
            'Server name sent in SNI and checked against the broker certificate, for brokers reached by an address their certificate does not name (a tunnel, an IP).',
          format: 'host name',
          defaultText: 'the host of each broker address',
        }),
      ),
  })
  .superRefine((tls, ctx) => {
    if (tls.enabled === true) return;
    for (const key of TLS_OPTIONS) {
      if (tls[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'has no effect while kafka.tls.enabled is false: set kafka.tls.enabled: true',
        });
    }
  }, whenValid('enabled'))
  .meta(setting({ description: 'TLS to the brokers: trusted CA, client certificate (mTLS), server name.' }));

const kafkaSaslSchema = z
  .strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).meta(
      setting({
        description:
          'SASL mechanism. plain sends the password as it is: use it only with kafka.tls.enabled (Azure Event Hubs: plain).',
      }),
    ),
    username: z
      .string()
      .min(1)
      .meta(setting({ description: 'SASL user name (Azure Event Hubs: the literal $ConnectionString).' })),
    password: z
      .string()
      .min(1)
      .optional()
      .meta(
        setting({
          description:
            'SASL password (Azure Event Hubs: the namespace connection string). Environment only, never in the config file; or use passwordFile.',
          secret: true,
          envOnly: true,
          secretFileSetting: 'kafka.sasl.passwordFile',
        }),
      ),
    passwordFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of a file holding the SASL password (e.g. a mounted Docker or Kubernetes secret); surrounding whitespace is ignored. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
  })
  .meta(
    setting({
      description: 'SASL authentication to the brokers. Leave the section out for brokers without authentication.',
    }),
  );

const kafkaSchema = z
  .strictObject({
    brokers: z
      .array(formatted(checkBroker))
      .min(1)
      .meta(
        setting({
          description: 'Bootstrap brokers as host:port. In the environment: a comma-separated list.',
          format: 'host:port',
        }),
      ),
    clientId: formatted(checkName)
      .optional()
      .meta(setting({ description: 'Kafka client id.', defaultText: 'connectorName' })),
    topic: formatted(checkTopic)
      .default('teams.presence.changes')
      .meta(setting({ description: 'Topic the presence events are written to.' })),
    partitions: int(1, 100_000)
      .default(6)
      .meta(setting({ description: 'Partitions when the connector creates the topic.' })),
    replicationFactor: int(-1, 32_767)
      .refine((value) => value !== 0, { message: 'must be -1 (broker default) or at least 1' })
      .default(-1)
      .meta(
        setting({
          description: 'Replication factor when the connector creates the topic; -1 uses the broker default.',
        }),
      ),
    compression: z
      .enum(['gzip', 'none'])
      .default('gzip')
      .meta(setting({ description: 'Record batch compression (kafkajs ships only gzip).' })),
    maxBufferedEvents: int(1, 10_000_000)
      .default(50_000)
      .meta(
        setting({
          description: 'Events held in memory waiting for Kafka before polling pauses (back-pressure bound).',
        }),
      ),
    requestTimeoutMs: int(100, 600_000)
      .default(30_000)
      .meta(setting({ description: 'Kafka request timeout, in milliseconds.' })),
    connectionTimeoutMs: int(100, 600_000)
      .default(10_000)
      .meta(setting({ description: 'Kafka connection timeout, in milliseconds.' })),
    delivery: z
      .enum(['auto', 'exactly-once', 'at-least-once'])
      .default('auto')
      .meta(
        setting({
          description:
            'exactly-once: events and dedup state are committed in one Kafka transaction per batch (consumers read with isolation.level=read_committed). ' +
            'at-least-once: idempotent producer, state written after the events are acknowledged; a crash can repeat a change, never lose one (for brokers without transactions, such as some Azure Event Hubs tiers). ' +
            'auto: exactly-once where the broker supports transactions, else at-least-once with a warning.',
        }),
      ),
    stateTopic: formatted(checkTopic)
      .optional()
      .meta(
        setting({
          description: 'Compacted topic holding the per-user dedup state, created at start if missing.',
          defaultText: '<connectorName>.presence-state',
        }),
      ),
    statePartitions: int(1, 10_000)
      .default(12)
      .meta(
        setting({
          description:
            "Partitions of the state topic when the connector creates it; a shard's state lives in one partition, so a worker restores only the partitions of its shards.",
        }),
      ),
    transactionTimeoutMs: int(1_000, 900_000)
      .default(60_000)
      .meta(
        setting({
          description:
            'Kafka transaction timeout, in milliseconds: a worker that dies mid-transaction holds read_committed consumers back at most this long.',
        }),
      ),
    tls: kafkaTlsSchema.prefault({}),
    sasl: kafkaSaslSchema.optional(),
  })
  .meta(setting({ description: 'Apache Kafka: where the events go.' }));

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

export const configSchema = z
  .strictObject({
    connectorName: formatted(checkName)
      .default('presence-connector')
      .meta(setting({ description: 'Name of this connector instance: prefix of Kafka client and transactional ids.' })),
    tenant: tenantSchema,
    graph: graphSchema.prefault({}),
    kafka: kafkaSchema,
    polling: pollingSchema.prefault({}),
    shards: z
      .array(shardSchema)
      .min(1)
      .meta(
        setting({
          description: 'Groups of users polled together; each user in exactly one shard. Config file only.',
          fileOnly: true,
        }),
      ),
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
        httpPort: int(0, 65_535)
          .default(9464)
          .meta(setting({ description: 'Port of the HTTP server for /metrics and health; 0 disables it.' })),
      })
      .prefault({})
      .meta(setting({ description: 'Logs, metrics and health.' })),
  })
  .superRefine(
    (config, ctx) => {
      if (!Array.isArray(config.shards) || config.assignment === undefined) return;
      const known = new Set(config.shards.map((shard) => shard.name));
      config.assignment.shards?.forEach((name, index) => {
        if (!known.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['assignment', 'shards', index],
            message: `no shard named "${name}" in shards`,
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
    whenValid('shards', 'assignment'),
  )
  .meta(setting({ description: 'Teams presence connector configuration.' }));

/** The configuration as the file (plus environment) describes it, after validation and defaults. */
export type FileConfig = z.output<typeof configSchema>;
/** What may be written: defaults make most settings optional. */
export type FileConfigInput = z.input<typeof configSchema>;
