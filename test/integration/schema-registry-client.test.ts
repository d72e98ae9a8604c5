/**
 * The schema registry client and the start-up registration flow against a real registry (test/global-setup.ts:
 * env SCHEMA_REGISTRY_URL, testcontainers, or a local Apicurio Registry). Every test uses its own subject.
 */
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCodes, type ConnectorError } from '../../src/errors.js';
import { PRESENCE_SCHEMA_PATH } from '../../src/events/index.js';
import { isRetriable } from '../../src/retry/index.js';
import { registerEventSchema, SchemaRegistryClient } from '../../src/schema-registry/index.js';
import { describeWithRegistry, registryUrl, uniqueSubject } from '../support/registry.js';

const v1Text = readFileSync(PRESENCE_SCHEMA_PATH, 'utf8');
const FINGERPRINT = '0123456789abcdef';

interface RecordSchema {
  fields: { name: string; type: unknown; default?: unknown; doc?: string }[];
}

function withField(field: RecordSchema['fields'][number]): string {
  const schema = JSON.parse(v1Text) as RecordSchema;
  schema.fields.push(field);
  return JSON.stringify(schema, null, 2);
}

const v2WithDefault = withField({ name: 'region', type: ['null', 'string'], default: null, doc: 'Added in v2.' });
const v2WithoutDefault = withField({ name: 'region', type: 'string' });

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected a rejection');
}

/** Apicurio's global default is NONE (Confluent's is BACKWARD): tests that rely on a level set it per subject. */
async function setCompatibility(subject: string, level: string): Promise<void> {
  const response = await request(`${registryUrl()}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility: level }),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`PUT /config/${subject}: ${response.statusCode} ${text}`);
}

describeWithRegistry('schema registry client against a real registry', () => {
  let client: SchemaRegistryClient;

  beforeAll(() => {
    client = new SchemaRegistryClient({ url: registryUrl(), requestTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await client.close();
  });

  it('registers the .avsc text, gives the same id for the same text again, and serves it by id', async () => {
    const subject = uniqueSubject('register');
    const id = await client.register(subject, v1Text);
    expect(await client.register(subject, v1Text)).toBe(id);
    expect(await client.versions(subject)).toEqual([1]);
    expect(await client.lookup(subject, v1Text)).toEqual({ id, version: 1 });
    const latest = await client.latest(subject);
    expect(latest).toMatchObject({ id, version: 1 });
    // The registry keeps every attribute of the text as registered, docs included, so readers see the documented
    // contract; Apicurio re-serializes it (minified, keys reordered), so it is compared as JSON.
    expect(JSON.parse(latest?.schema ?? '')).toEqual(JSON.parse(v1Text));
    expect(JSON.parse(await client.schemaById(id))).toEqual(JSON.parse(v1Text));
    expect(await client.schemaById(id)).toBe(await client.schemaById(id));
    expect(JSON.parse(await client.schemaAt(subject, 1))).toEqual(JSON.parse(v1Text));
  });

  it('answers the unknown: lookup undefined, no versions, no latest, compatible, unknown id', async () => {
    const subject = uniqueSubject('unknown');
    expect(await client.lookup(subject, v1Text)).toBeUndefined();
    expect(await client.versions(subject)).toEqual([]);
    expect(await client.latest(subject)).toBeUndefined();
    expect(await client.isCompatible(subject, v1Text)).toBe(true);
    await client.register(subject, v1Text);
    // The subject exists now, but not with this schema.
    expect(await client.lookup(subject, v2WithDefault)).toBeUndefined();
    const missingVersion = await rejection(client.schemaAt(subject, 7));
    expect(missingVersion.code).toBe(ErrorCodes.SCHEMA_NOT_FOUND);
    const missingId = await rejection(client.schemaById(2_000_000_000));
    expect(missingId.code).toBe(ErrorCodes.SCHEMA_NOT_FOUND);
    expect(missingId.details).toMatchObject({ status: 404, errorCode: 40403 });
  });

  it("reads the subject's compatibility level, falling back to the global one", async () => {
    const subject = uniqueSubject('level');
    await client.register(subject, v1Text);
    const global = await client.compatibilityLevel(uniqueSubject('no-such-subject'));
    expect(typeof global).toBe('string');
    await setCompatibility(subject, 'FORWARD_TRANSITIVE');
    expect(await client.compatibilityLevel(subject)).toBe('FORWARD_TRANSITIVE');
  });

  it('refuses a schema that is not Avro with SCHEMA_INVALID', async () => {
    const error = await rejection(client.register(uniqueSubject('invalid'), '{"type": "recrd"'));
    expect(error.code).toBe(ErrorCodes.SCHEMA_INVALID);
    expect(error.details).toMatchObject({ status: 422 });
  });

  it('on first start registers v1; on the next start finds it and registers nothing', async () => {
    const subject = uniqueSubject('first-start');
    const args = { client, subject, schemaText: v1Text, schemaFingerprint: FINGERPRINT, autoRegister: true };
    const first = await registerEventSchema(args);
    expect(first).toEqual({ subject, schemaId: expect.any(Number) as number, version: 1, registered: true });
    expect(await registerEventSchema(args)).toEqual({ ...first, registered: false });
    // Auto-register off: the same schema is found by lookup.
    expect(await registerEventSchema({ ...args, autoRegister: false })).toEqual({ ...first, registered: false });
  });

  it('with auto-register off and the schema missing, fails naming the subject and the fingerprint', async () => {
    const subject = uniqueSubject('not-registered');
    const args = { client, subject, schemaText: v1Text, schemaFingerprint: FINGERPRINT, autoRegister: false };
    const error = await rejection(registerEventSchema(args));
    expect(error.code).toBe(ErrorCodes.SCHEMA_NOT_REGISTERED);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain(subject);
    expect(error.message).toContain(FINGERPRINT);
    expect(await client.versions(subject)).toEqual([]);
  });

  it('registers a v2 that adds a field with a default as version 2 under BACKWARD', async () => {
    const subject = uniqueSubject('evolve');
    const args = { client, subject, schemaFingerprint: FINGERPRINT, autoRegister: true };
    const v1 = await registerEventSchema({ ...args, schemaText: v1Text });
    await setCompatibility(subject, 'BACKWARD');
    expect(await client.isCompatible(subject, v2WithDefault)).toBe(true);
    const v2 = await registerEventSchema({ ...args, schemaText: v2WithDefault });
    expect(v2).toMatchObject({ subject, version: 2, registered: true });
    expect(v2.schemaId).not.toBe(v1.schemaId);
    expect(await client.versions(subject)).toEqual([1, 2]);
    // Apicurio hands back a re-serialized text (minified, keys reordered), equal as JSON with all docs kept.
    expect(JSON.parse(await client.schemaById(v2.schemaId))).toEqual(JSON.parse(v2WithDefault));
  });

  it('refuses an incompatible v2 naming the subject, BACKWARD and the field, and registers nothing', async () => {
    const subject = uniqueSubject('incompatible');
    const args = { client, subject, schemaFingerprint: FINGERPRINT, autoRegister: true };
    await registerEventSchema({ ...args, schemaText: v1Text });
    await setCompatibility(subject, 'BACKWARD');
    expect(await client.isCompatible(subject, v2WithoutDefault)).toBe(false);
    const error = await rejection(registerEventSchema({ ...args, schemaText: v2WithoutDefault }));
    expect(error.code).toBe(ErrorCodes.SCHEMA_INCOMPATIBLE);
    expect(error.retriable).toBe(false);
    expect(error.message).toContain(`subject "${subject}"`);
    expect(error.message).toContain('BACKWARD');
    expect(error.message).toContain('field "region" (string) was added without a default');
    expect(await client.versions(subject)).toEqual([1]);
    // The registry refuses it too when asked to register directly (409), whatever the client checked before.
    expect((await rejection(client.register(subject, v2WithoutDefault))).code).toBe(ErrorCodes.SCHEMA_INCOMPATIBLE);
  });

  it('reports an unreachable registry as a retriable SCHEMA_REGISTRY_UNAVAILABLE', async () => {
    const port = await freePort();
    const unreachable = new SchemaRegistryClient({
      url: `http://127.0.0.1:${port}/apis/ccompat/v7`,
      requestTimeoutMs: 2_000,
    });
    try {
      const args = { client: unreachable, subject: uniqueSubject('down'), schemaText: v1Text };
      const error = await rejection(
        registerEventSchema({ ...args, schemaFingerprint: FINGERPRINT, autoRegister: true }),
      );
      expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
      expect(isRetriable(error)).toBe(true);
    } finally {
      await unreachable.close();
    }
  });

  it('reports a base URL without the API path as a plain 404, not as an unknown subject', async () => {
    const origin = new URL(registryUrl()).origin;
    const wrong = new SchemaRegistryClient({ url: `${origin}/not-the-api`, requestTimeoutMs: 5_000 });
    try {
      const error = await rejection(wrong.lookup(uniqueSubject('wrong-url'), v1Text));
      expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED);
      expect(error.details).toMatchObject({ status: 404, errorCode: undefined });
    } finally {
      await wrong.close();
    }
  });
});

/** A port nothing listens on: bound and released at once. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
