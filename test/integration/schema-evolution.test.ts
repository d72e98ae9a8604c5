/**
 * Schema evolution, proven against a real registry: what may change in schemas/presence-change.avsc without
 * breaking readers (README, "Schema evolution"). A v2 that adds a field with a default registers as version 2
 * under BACKWARD, and readers of either version decode data of the other; a schema the subject's level refuses
 * stops the connector's start with a message naming the subject, the level and the field.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { isConnectorError } from '../../src/errors.js';
import { startHarness, type Harness } from '../support/connector-harness.js';
import { describeWithRegistry, registryUrl, uniqueSubject } from '../support/registry.js';

const v1Text = readFileSync(new URL('../../schemas/presence-change.avsc', import.meta.url), 'utf8');
const v1Json = JSON.parse(v1Text) as { fields: Array<{ name: string }> } & Record<string, unknown>;
/** v2: one field added, with a default, as the evolution rules require. */
const v2Json = {
  ...v1Json,
  fields: [
    ...v1Json.fields,
    { name: 'region', type: ['null', 'string'], default: null, doc: 'Added in v2: the shard region.' },
  ],
};
const v1 = avro.Type.forSchema(v1Json as unknown as avro.Schema);
const v2 = avro.Type.forSchema(v2Json as unknown as avro.Schema);

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
async function registry(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
  const response = await request(`${registryUrl()}${path}`, {
    method,
    headers: { 'content-type': CONTENT_TYPE },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
  return JSON.parse(text) as unknown;
}

const event = {
  eventId: '3f0e4a7c-2b1d-4e5f-9a8b-7c6d5e4f3a2b',
  kind: 'CHANGE',
  userId: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  tenantId: 'contoso.onmicrosoft.com',
  shard: 'emea',
  availability: 'Busy',
  activity: 'InACall',
  statusMessage: null,
  outOfOffice: null,
  workLocation: null,
  sequenceNumber: 'C0000000002',
  previousAvailability: 'Available',
  previousActivity: 'Available',
  previousSequenceNumber: 'C0000000001',
  observedAt: Date.parse('2026-12-02T10:00:00.000Z'),
  previousObservedAt: Date.parse('2026-12-02T09:59:00.000Z'),
  connector: 'presence-connector',
};

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describeWithRegistry('schema evolution', () => {
  it('a v2 that adds a field with a default registers as version 2 under BACKWARD; v1 and v2 readers read both', async () => {
    const subject = uniqueSubject('evolution');
    const enc = encodeURIComponent(subject);
    await registry('PUT', `/config/${enc}`, { compatibility: 'BACKWARD' });
    const first = (await registry('POST', `/subjects/${enc}/versions`, { schema: v1Text })) as { id: number };
    const second = (await registry('POST', `/subjects/${enc}/versions`, { schema: JSON.stringify(v2Json) })) as {
      id: number;
    };
    expect(second.id).not.toBe(first.id);
    expect(await registry('GET', `/subjects/${enc}/versions`)).toEqual([1, 2]);

    // Writers of each version, as the registry hands their schemas out by id (what a registry-only reader uses).
    const writerOf = async (id: number): Promise<avro.Type> => {
      const fetched = (await registry('GET', `/schemas/ids/${id}`)) as { schema: string };
      return avro.Type.forSchema(JSON.parse(fetched.schema) as avro.Schema);
    };
    const [writer1, writer2] = await Promise.all([writerOf(first.id), writerOf(second.id)]);
    // A v2 reader decodes v1 data: the new field takes its default.
    const fromV1 = v2.fromBuffer(writer1.toBuffer(event), v2.createResolver(writer1)) as Record<string, unknown>;
    expect(fromV1).toMatchObject({ ...event, region: null });
    // A v1 reader decodes v2 data: the field it does not know is skipped.
    const v2Data = writer2.toBuffer({ ...event, region: 'emea-west' });
    const fromV2 = v1.fromBuffer(v2Data, v1.createResolver(writer2)) as Record<string, unknown>;
    expect(fromV2).toEqual(v1.fromBuffer(v1.toBuffer(event)));
    expect('region' in fromV2).toBe(false);
    // Without resolution the v1 reader misreads v2 data: the checks above are not vacuous.
    expect(() => v1.fromBuffer(v2Data)).toThrow();
  });

  it('stops the start when the subject refuses the schema, naming the subject, the level and the field', async () => {
    harness = await startHarness({ userCount: 3, settings: { schemaRegistry: { url: registryUrl() } } });
    const subject = `${harness.topic}-value`;
    const enc = encodeURIComponent(subject);
    // A previous writer without "connector": data it wrote has no value for a field the connector's schema
    // requires without a default, so under BACKWARD the connector's schema cannot be the next version.
    const previous = { ...v1Json, fields: v1Json.fields.filter((field) => field.name !== 'connector') };
    await registry('PUT', `/config/${enc}`, { compatibility: 'BACKWARD' });
    await registry('POST', `/subjects/${enc}/versions`, { schema: JSON.stringify(previous) });

    const failure = await harness.worker.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConnectorError(failure, 'SCHEMA_INCOMPATIBLE')).toBe(true);
    const message = String(failure);
    expect(message).toContain(`"${subject}"`);
    expect(message).toContain('BACKWARD');
    expect(message).toContain('"connector"');
    expect(await registry('GET', `/subjects/${enc}/versions`)).toEqual([1]);
  });
});
