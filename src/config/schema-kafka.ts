/** The `kafka` section of the configuration schema: brokers, topics, delivery, TLS and SASL. */
import { z } from 'zod';
import { checkBroker, checkName, checkServerName, checkTopic } from './formats.js';
import { kafkaTableSchema, kafkaWatermarkSchema, topicClashes } from './schema-outputs.js';
import { envOnlySecret, filePath, formatted, int, RELATIVE_PATHS, setting, whenValid } from './schema-common.js';

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
    key: envOnlySecret({
      format: 'PEM',
      description:
        'PEM private key of the client certificate. Environment only, never in the config file; or use keyFile. Literal "\\n" sequences are turned into newlines.',
      secretFileSetting: 'kafka.tls.keyFile',
    }),
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
    password: envOnlySecret({
      description:
        'SASL password (Azure Event Hubs: the namespace connection string). Environment only, never in the config file; or use passwordFile.',
      secretFileSetting: 'kafka.sasl.passwordFile',
    }),
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

export const kafkaSchema = z
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
    headers: z
      .enum(['cloudevents', 'minimal', 'none'])
      .default('cloudevents')
      .meta(
        setting({
          description:
            'Record headers of each event. cloudevents: the CloudEvents Kafka binding in binary mode (ce_specversion, ce_id, ce_source, ce_type, ce_time, ce_subject, content-type), for consumers that route or filter without decoding the value. ' +
            'minimal: ce_id and ce_type only, enough to route by kind (ce_id is the eventId, which a change repeated after a crash does not keep: see kafka.delivery). ' +
            'none: no headers, the cheapest; the Avro value carries every field either way.',
        }),
      ),
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
            'Consumers drop repeats by (userId, sequenceNumber) (a REMOVED event, which has no sequenceNumber, by userId and previousSequenceNumber), not by eventId: a change repeated after a crash is built again from a new poll and carries a new eventId (only a record resent after a failed send keeps its eventId). ' +
            'auto: exactly-once where the broker supports transactions, else at-least-once with a warning.',
        }),
      ),
    table: kafkaTableSchema,
    watermarks: kafkaWatermarkSchema,
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
    retry: z
      .strictObject({
        initialMs: int(1, 600_000)
          .default(500)
          .meta(setting({ description: 'Ceiling of the first wait, in milliseconds; it doubles per attempt.' })),
        maxMs: int(1, 3_600_000)
          .default(10_000)
          .meta(setting({ description: 'Ceiling of every wait, in milliseconds, however many attempts failed.' })),
      })
      .superRefine(
        (retry, ctx) => {
          if (typeof retry.initialMs === 'number' && typeof retry.maxMs === 'number' && retry.maxMs < retry.initialMs) {
            ctx.addIssue({
              code: 'custom',
              path: ['maxMs'],
              message: `must be at least retry.initialMs (${retry.initialMs})`,
            });
          }
        },
        whenValid('initialMs', 'maxMs'),
      )
      .prefault({})
      .meta(
        setting({
          description:
            'Backoff between retries against Kafka (connecting, replaying a batch with a new producer): each wait is drawn at random below a ceiling that grows from initialMs to maxMs (full jitter), so workers do not retry in lockstep. Only retriable failures are retried; publishing retries until it succeeds or the worker stops.',
        }),
      ),
    tls: kafkaTlsSchema.prefault({}),
    sasl: kafkaSaslSchema.optional(),
  })
  .superRefine(
    (kafka, ctx) => {
      for (const clash of topicClashes(kafka))
        ctx.addIssue({ code: 'custom', path: clash.path, message: clash.message });
    },
    whenValid('topic', 'table', 'watermarks', 'stateTopic'),
  )
  .meta(setting({ description: 'Apache Kafka: where the events go.' }));
