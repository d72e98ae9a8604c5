/**
 * The start-up flow's decisions, against a stand-in of the RegistrationClient interface. The real registry's side
 * (ids, versions, 409s, levels) is tested in test/integration/schema-registry-client.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import { registerEventSchema, type RegistrationClient } from '../../src/schema-registry/registration.js';

const v1 = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });
const v2 = JSON.stringify({
  type: 'record',
  name: 'R',
  fields: [
    { name: 'a', type: 'string' },
    { name: 'shard', type: 'string' },
  ],
});
const v3 = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'shard', type: 'string' }] });

interface StandIn extends RegistrationClient {
  calls: string[];
}

/** A subject holding `versions` (texts, version n at index n-1), at `level`, judging compatibility as told. */
function standIn(
  versions: string[],
  options: { level?: string; compatible?: boolean; conflict?: boolean } = {},
): StandIn {
  const held = [...versions];
  const calls: string[] = [];
  return {
    calls,
    lookup: (_subject, text) => {
      calls.push('lookup');
      const index = held.indexOf(text);
      return Promise.resolve(index < 0 ? undefined : { id: 100 + index, version: index + 1 });
    },
    isCompatible: () => {
      calls.push('isCompatible');
      return Promise.resolve(options.compatible ?? true);
    },
    register: (_subject, text) => {
      calls.push('register');
      if (options.conflict === true) {
        return Promise.reject(new ConnectorError(ErrorCodes.SCHEMA_INCOMPATIBLE, 'registry says 409'));
      }
      held.push(text);
      return Promise.resolve(100 + held.length - 1);
    },
    compatibilityLevel: () => Promise.resolve(options.level ?? 'BACKWARD'),
    versions: () => Promise.resolve(held.map((_, index) => index + 1)),
    schemaAt: (_subject, version) => Promise.resolve(held[version - 1] ?? ''),
    latest: () => {
      const version = held.length;
      const schema = held[version - 1];
      return Promise.resolve(schema === undefined ? undefined : { id: 100 + version - 1, version, schema });
    },
  };
}

const base = { subject: 'presence-value', schemaFingerprint: 'c0ffee0123456789', autoRegister: true };

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected a rejection');
}

describe('registerEventSchema', () => {
  it('registers a schema the subject does not have, after a compatibility check, and says so', async () => {
    const client = standIn([]);
    const result = await registerEventSchema({ ...base, client, schemaText: v1 });
    expect(result).toEqual({ subject: 'presence-value', schemaId: 100, version: 1, registered: true });
    expect(client.calls).toEqual(['lookup', 'isCompatible', 'register', 'lookup']);
  });

  it('uses the exact schema already there without registering it again', async () => {
    const client = standIn([v1, v2]);
    const result = await registerEventSchema({ ...base, client, schemaText: v1 });
    expect(result).toEqual({ subject: 'presence-value', schemaId: 100, version: 1, registered: false });
    expect(client.calls).toEqual(['lookup']);
  });

  it('with auto-register off, finds the schema, or fails naming the subject and the fingerprint', async () => {
    expect(await registerEventSchema({ ...base, autoRegister: false, client: standIn([v1]), schemaText: v1 })).toEqual({
      subject: 'presence-value',
      schemaId: 100,
      version: 1,
      registered: false,
    });
    const client = standIn([v1]);
    const error = await rejection(registerEventSchema({ ...base, autoRegister: false, client, schemaText: v2 }));
    expect(error.code).toBe(ErrorCodes.SCHEMA_NOT_REGISTERED);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('"presence-value"');
    expect(error.message).toContain('c0ffee0123456789');
    expect(error.details).toEqual({ subject: 'presence-value', schemaFingerprint: 'c0ffee0123456789' });
    expect(client.calls).toEqual(['lookup']);
  });

  it('refuses an incompatible schema naming the subject, the level and the breaking field', async () => {
    const client = standIn([v1], { compatible: false });
    const error = await rejection(registerEventSchema({ ...base, client, schemaText: v2 }));
    expect(error.code).toBe(ErrorCodes.SCHEMA_INCOMPATIBLE);
    expect(error.message).toBe(
      'the schema (fingerprint c0ffee0123456789) is incompatible with subject "presence-value" under its ' +
        'compatibility level BACKWARD: against version 1, field "shard" (string) was added without a default, ' +
        'so a reader with the new schema cannot read data written with the previous one',
    );
    expect(error.details).toMatchObject({ subject: 'presence-value', compatibilityLevel: 'BACKWARD' });
    expect(client.calls).not.toContain('register');
  });

  it('checks every version under a transitive level, and only the latest otherwise', async () => {
    // v3 drops "a": under FORWARD every old reader covered must read v3 data, and none has a default for "a".
    const transitive = await rejection(
      registerEventSchema({
        ...base,
        client: standIn([v1, v2], { compatible: false, level: 'FORWARD_TRANSITIVE' }),
        schemaText: v3,
      }),
    );
    expect(transitive.message).toContain('against version 1, field "a" (string) was removed');
    expect(transitive.message).toContain('against version 2, field "a" (string) was removed');
    const latestOnly = await rejection(
      registerEventSchema({
        ...base,
        client: standIn([v1, v2], { compatible: false, level: 'FORWARD' }),
        schemaText: v3,
      }),
    );
    expect(latestOnly.message).not.toContain('against version 1');
    expect(latestOnly.message).toContain('against version 2');
  });

  it('says so when the registry refuses and the local check finds no reason', async () => {
    // The same schema with other whitespace: a new text to the stand-in, identical to avsc.
    const client = standIn([v1], { compatible: false, level: 'BACKWARD' });
    const error = await rejection(registerEventSchema({ ...base, client, schemaText: `${v1} ` }));
    expect(error.code).toBe(ErrorCodes.SCHEMA_INCOMPATIBLE);
    expect(error.message).toContain(
      'under its compatibility level BACKWARD: the registry gives no reason, and a local check with avsc found no breaking field',
    );
  });

  it('explains a 409 from register (another writer got in between) the same way, keeping the cause', async () => {
    const client = standIn([v1], { conflict: true });
    const error = await rejection(registerEventSchema({ ...base, client, schemaText: v2 }));
    expect(error.code).toBe(ErrorCodes.SCHEMA_INCOMPATIBLE);
    expect(error.message).toContain('field "shard"');
    expect((error.cause as Error).message).toBe('registry says 409');
  });

  it('passes registry failures through unchanged, so a retriable outage stays retriable', async () => {
    const outage = new ConnectorError(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE, 'down', { retriable: true });
    const client: StandIn = { ...standIn([]), lookup: () => Promise.reject(outage) };
    expect(await rejection(registerEventSchema({ ...base, client, schemaText: v1 }))).toBe(outage);
  });
});
