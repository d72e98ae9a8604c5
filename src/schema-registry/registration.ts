import { ConnectorError, ErrorCodes, isConnectorError } from '../errors.js';
import type { SchemaRegistryClient } from './client.js';
import { explainIncompatibility } from './compatibility.js';

export interface EventSchemaRegistration {
  subject: string;
  schemaId: number;
  /** The subject version of this schema; undefined only if the registry would not say. */
  version: number | undefined;
  /** True when this call added the schema to the subject; false when it was there already. */
  registered: boolean;
}

/** The calls the start-up flow makes: a SchemaRegistryClient, or a stand-in of the same shape in unit tests. */
export type RegistrationClient = Pick<
  SchemaRegistryClient,
  'register' | 'lookup' | 'isCompatible' | 'compatibilityLevel' | 'versions' | 'schemaAt' | 'latest'
>;

export interface RegisterEventSchemaArgs {
  client: RegistrationClient;
  subject: string;
  /** The original .avsc text: what the registry stores and readers fetch. */
  schemaText: string;
  /** CRC-64-AVRO of the schema, named in errors so the operator can tell which build's schema is missing. */
  schemaFingerprint: string;
  autoRegister: boolean;
}

/**
 * The start-up flow. The exact schema already under the subject is used as is (no compatibility check: the
 * registry accepted it once, and registering it again would only return the same id). Otherwise, with
 * autoRegister, the schema is checked against the subject and registered; without it, that is an error.
 * Registry errors pass through as the client raised them: SCHEMA_REGISTRY_UNAVAILABLE is retriable, so the
 * caller can wrap this in src/retry's retry() and report readiness meanwhile.
 */
export async function registerEventSchema(args: RegisterEventSchemaArgs): Promise<EventSchemaRegistration> {
  const { client, subject, schemaText } = args;
  const existing = await client.lookup(subject, schemaText);
  if (existing !== undefined) {
    return { subject, schemaId: existing.id, version: existing.version, registered: false };
  }
  if (!args.autoRegister) {
    throw new ConnectorError(
      ErrorCodes.SCHEMA_NOT_REGISTERED,
      `the schema registry has no schema with fingerprint ${args.schemaFingerprint} under subject "${subject}", ` +
        'and auto-register is off: register schemas/presence-change.avsc (its exact text) under that subject, ' +
        'or turn auto-register on',
      { details: { subject, schemaFingerprint: args.schemaFingerprint } },
    );
  }
  if (!(await client.isCompatible(subject, schemaText))) {
    throw await incompatible(client, subject, schemaText, args.schemaFingerprint, undefined);
  }
  let schemaId: number;
  try {
    schemaId = await client.register(subject, schemaText);
  } catch (error) {
    // Another writer may have registered a different schema between the check and this call.
    if (isConnectorError(error, ErrorCodes.SCHEMA_INCOMPATIBLE)) {
      throw await incompatible(client, subject, schemaText, args.schemaFingerprint, error);
    }
    throw error;
  }
  const registeredAs = await client.lookup(subject, schemaText);
  return { subject, schemaId, version: registeredAs?.version, registered: true };
}

/** SCHEMA_INCOMPATIBLE naming the subject, its level and, from a local check, the field that breaks it. */
async function incompatible(
  client: RegistrationClient,
  subject: string,
  schemaText: string,
  schemaFingerprint: string,
  cause: unknown,
): Promise<ConnectorError> {
  const level = await client.compatibilityLevel(subject);
  const reasons = await explainAgainstCoveredVersions(client, subject, level, schemaText);
  const reason =
    reasons.length > 0
      ? reasons.join('; ')
      : 'the registry gives no reason, and a local check with avsc found no breaking field';
  return new ConnectorError(
    ErrorCodes.SCHEMA_INCOMPATIBLE,
    `the schema (fingerprint ${schemaFingerprint}) is incompatible with subject "${subject}" under its ` +
      `compatibility level ${level}: ${reason}`,
    { ...(cause === undefined ? {} : { cause }), details: { subject, compatibilityLevel: level, schemaFingerprint } },
  );
}

/** The latest version for a plain level, every version for a *_TRANSITIVE one; one reason per breaking version. */
async function explainAgainstCoveredVersions(
  client: RegistrationClient,
  subject: string,
  level: string,
  schemaText: string,
): Promise<string[]> {
  const transitive = level.toUpperCase().endsWith('_TRANSITIVE');
  let covered: { version: number; schema: string }[];
  if (transitive) {
    const versions = await client.versions(subject);
    covered = await Promise.all(
      versions.map(async (version) => ({ version, schema: await client.schemaAt(subject, version) })),
    );
  } else {
    const latest = await client.latest(subject);
    covered = latest === undefined ? [] : [latest];
  }
  const reasons: string[] = [];
  for (const { version, schema } of covered) {
    const reason = explainLocally(level, schema, schemaText);
    if (reason !== undefined) reasons.push(`against version ${version}, ${reason}`);
  }
  return reasons;
}

/** A previous version avsc cannot parse is reported as such: the incompatibility itself still stands. */
function explainLocally(level: string, previous: string, next: string): string | undefined {
  try {
    return explainIncompatibility(level, previous, next);
  } catch (error) {
    if (!isConnectorError(error, ErrorCodes.SCHEMA_INVALID)) throw error;
    return `which could not be checked locally (${error.message})`;
  }
}
