/**
 * The `schemaRegistry` section: when present, event values are written in the Confluent wire format with the id
 * the registry gives the event schema. Credentials come only from the environment or files (env-only settings).
 */
import { z } from 'zod';
import { envOnlySecret, filePath, formatted, int, RELATIVE_PATHS, setting } from './schema-common.js';

/** A registry base URL: http(s), no credentials, no query or fragment; a path is allowed (`/apis/ccompat/v7`). */
export function checkRegistryUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value is not echoed: a mistyped URL may hold a credential.
    return 'is not a URL (e.g. https://psrc-abc12.westeurope.azure.confluent.cloud)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must be an http:// or https:// URL (got ${url.protocol})`;
  if (url.username !== '' || url.password !== '')
    return 'must not contain credentials: set PRESENCE_SCHEMA_REGISTRY_API_KEY and PRESENCE_SCHEMA_REGISTRY_API_SECRET instead';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  return undefined;
}

function secretFile(what: string) {
  return filePath()
    .optional()
    .meta(
      setting({
        description: `Path of a file holding the ${what} (e.g. a mounted Kubernetes secret); surrounding whitespace is ignored. ${RELATIVE_PATHS}`,
        format: 'path',
      }),
    );
}

export const schemaRegistrySchema = z
  .strictObject({
    url: formatted(checkRegistryUrl).meta(
      setting({
        description:
          'Base URL of a Confluent-compatible Schema Registry (Confluent Platform or Cloud, Apicurio at /apis/ccompat/v7, Karapace, Redpanda).',
        format: 'URL',
      }),
    ),
    subjectNameStrategy: z
      .enum(['TopicNameStrategy', 'RecordNameStrategy', 'TopicRecordNameStrategy'])
      .default('TopicNameStrategy')
      .meta(
        setting({
          description:
            'Subject the event schema is registered under: TopicNameStrategy <topic>-value (what Flink, ksqlDB and Connect expect by default), RecordNameStrategy <record full name>, TopicRecordNameStrategy <topic>-<record full name>.',
        }),
      ),
    autoRegister: z
      .boolean()
      .default(true)
      .meta(
        setting({
          description:
            'true: check compatibility and register the event schema at start. false: only look up its id; the start fails when the registry does not hold this exact schema (for registries managed by a schema pipeline).',
        }),
      ),
    requestTimeoutMs: int(100, 120_000)
      .default(10_000)
      .meta(setting({ description: 'Timeout of one registry request, in milliseconds.' })),
    caFile: filePath()
      .optional()
      .meta(
        setting({
          description: `PEM CA bundle trusted for an https registry in addition to Node's public roots. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    apiKey: envOnlySecret({
      description:
        'Basic-auth user (Confluent Cloud: the Schema Registry API key). Environment only; or use apiKeyFile. Set together with apiSecret.',
      secretFileSetting: 'schemaRegistry.apiKeyFile',
    }),
    apiKeyFile: secretFile('basic-auth user (API key)'),
    apiSecret: envOnlySecret({
      description:
        'Basic-auth password (Confluent Cloud: the Schema Registry API secret). Environment only; or use apiSecretFile.',
      secretFileSetting: 'schemaRegistry.apiSecretFile',
    }),
    apiSecretFile: secretFile('basic-auth password (API secret)'),
    bearerToken: envOnlySecret({
      description:
        'Bearer token sent as Authorization: Bearer, instead of an API key and secret. Environment only; or use bearerTokenFile.',
      secretFileSetting: 'schemaRegistry.bearerTokenFile',
    }),
    bearerTokenFile: secretFile('bearer token'),
  })
  .meta(
    setting({
      description:
        'Optional. When set, event values are Confluent-framed (0x00, 4-byte schema id, Avro) and the event schema is registered; when absent, values are plain Avro as before.',
    }),
  );
