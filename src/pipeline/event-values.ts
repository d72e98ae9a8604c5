import type { ConnectorConfig, SchemaRegistryConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes } from '../errors.js';
import type { StageTelemetry } from '../observability/index.js';
import type { BackoffPolicy } from '../retry/index.js';
import {
  frameConfluent,
  registryClientOptions,
  SchemaRegistryClient,
  subjectName,
  waitForEventSchema,
  type EventSchemaRegistration,
} from '../schema-registry/index.js';

/**
 * Not a setting: the worker waits for the registry at start as it waits for Kafka, as long as it takes; the cap
 * keeps it from idling long after the registry is back.
 */
const REGISTRY_WAIT: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

/** The event schema as the registry needs it: its original text, full name and fingerprint. */
export interface EventSchema {
  schemaName: string;
  schemaText: string;
  schemaFingerprint: string;
}

/**
 * How event values are written: plain Avro when no registry is configured (as before registry support), or the
 * Confluent wire format with the id the registry gives the event schema. The framed form writes nothing until
 * that id is known, so no value goes out unframed by accident while the registry is unreachable; once known, the
 * id is kept for the life of the worker, so a registry outage later does not stop publishing.
 */
export interface EventValues {
  readonly format: 'avro' | 'confluent';
  /** Resolves once values can be written; waits (with backoff) while the registry is unreachable. */
  prepare(signal: AbortSignal): Promise<EventSchemaRegistration | undefined>;
  /** The Kafka record value for one Avro-encoded event. */
  value(avro: Buffer): Buffer;
  close(): Promise<void>;
}

/** The values of one topic with one schema: the change topic by default; the table and watermarks likewise. */
export function createEventValues(
  config: ConnectorConfig,
  schema: EventSchema,
  telemetry: StageTelemetry,
  topic: string = config.kafka.topic,
): EventValues {
  if (config.schemaRegistry === undefined) {
    return {
      format: 'avro',
      prepare: async () => undefined,
      value: (avro) => avro,
      close: async () => undefined,
    };
  }
  return registryValues(config.schemaRegistry, topic, schema, telemetry);
}

function registryValues(
  settings: SchemaRegistryConfig,
  topic: string,
  schema: EventSchema,
  { health, logger }: StageTelemetry,
): EventValues {
  const client = new SchemaRegistryClient(registryClientOptions(settings));
  const subject = subjectName(settings.subjectNameStrategy, topic, schema.schemaName);
  let schemaId: number | undefined;
  health.recordRegistryWaiting(`the id of the event schema under subject "${subject}" is not known yet`);
  return {
    format: 'confluent',
    async prepare(signal) {
      const registration = await waitForEventSchema({
        client,
        subject,
        schemaText: schema.schemaText,
        schemaFingerprint: schema.schemaFingerprint,
        autoRegister: settings.autoRegister,
        url: settings.url,
        policy: REGISTRY_WAIT,
        signal,
        logger,
        onWaiting: (reason) => health.recordRegistryWaiting(`unavailable at ${settings.url}: ${reason}`),
      });
      schemaId = registration.schemaId;
      health.recordRegistryReady();
      logger.info(
        { subject, schemaId, version: registration.version, registered: registration.registered },
        registration.registered ? 'event schema registered' : 'event schema found in the registry',
      );
      return registration;
    },
    value(avro) {
      if (schemaId === undefined) {
        throw new ConnectorError(
          ErrorCodes.EVENT_ENCODING_FAILED,
          `the event schema id under subject "${subject}" is not known yet: nothing is written unframed`,
        );
      }
      return frameConfluent(schemaId, avro);
    },
    close: () => client.close(),
  };
}
