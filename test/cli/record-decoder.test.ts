/**
 * tail's decoder: plain Avro and Confluent-framed values on one topic. The registry is a fake of our own
 * `schemaById` (the real one is exercised in test/integration/schema-registry-connector.test.ts).
 */
import avro from 'avsc';
import { describe, expect, it, vi } from 'vitest';
import { createRecordDecoder, describeValueFormat } from '../../src/cli/record-decoder.js';
import { buildPresenceEvent, createPresenceEventCodec } from '../../src/events/index.js';
import type { Presence } from '../../src/graph/index.js';
import type { TopicRecord } from '../../src/kafka/index.js';
import { frameConfluent } from '../../src/schema-registry/index.js';

const codec = createPresenceEventCodec();
const presence: Presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Busy',
  activity: 'InACall',
  statusMessage: null,
  outOfOffice: null,
  workLocation: null,
  sequenceNumber: 'C0000000002',
};
const event = buildPresenceEvent(presence, undefined, { tenantId: 't', shard: 'emea', connector: 'c', observedAt: 5 });

const v2Json = (() => {
  const v1 = JSON.parse(codec.schemaText) as { fields: unknown[] } & Record<string, unknown>;
  return { ...v1, fields: [...v1.fields, { name: 'region', type: ['null', 'string'], default: null }] };
})();
const v2 = avro.Type.forSchema(v2Json as unknown as avro.Schema);

const record = (value: Buffer): TopicRecord =>
  ({ partition: 0, offset: '7', key: presence.id, value, headers: {}, timestamp: '0' }) as unknown as TopicRecord;

function fakeRegistry(schemas: Record<number, string>) {
  const asked: number[] = [];
  let failNext = false;
  return {
    asked,
    failOnce: () => void (failNext = true),
    schemaById: async (id: number): Promise<string> => {
      asked.push(id);
      if (failNext) {
        failNext = false;
        throw new Error('registry away');
      }
      const text = schemas[id];
      if (text === undefined) throw new Error(`no schema ${id}`);
      return text;
    },
  };
}

describe('createRecordDecoder', () => {
  it('decodes plain Avro with the shipped schema, and says so', async () => {
    const decoded = await createRecordDecoder(codec, undefined).decode(record(codec.encode(event)));
    expect(decoded).toMatchObject({
      ok: true,
      value: { format: 'avro' },
      event: { userId: presence.id, kind: 'SNAPSHOT' },
    });
  });

  it('decodes a framed value with the writer schema fetched by id, once per id', async () => {
    const registry = fakeRegistry({ 7: codec.schemaText });
    const decoder = createRecordDecoder(codec, registry);
    const framed = record(frameConfluent(7, codec.encode(event)));
    const first = await decoder.decode(framed);
    const second = await decoder.decode(framed);
    expect(first).toMatchObject({
      ok: true,
      value: { format: 'confluent', schemaId: 7 },
      event: { availability: 'Busy' },
    });
    expect(second.ok).toBe(true);
    expect(registry.asked).toEqual([7]);
  });

  it('reads values of a newer writer (a field added) into this version, dropping what it does not know', async () => {
    const registry = fakeRegistry({ 9: JSON.stringify(v2Json) });
    const decoded = await createRecordDecoder(codec, registry).decode(
      record(frameConfluent(9, v2.toBuffer({ ...event, region: 'west' }))),
    );
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.event.userId).toBe(presence.id);
    expect('region' in decoded.event).toBe(false);
  });

  it('names what is missing for a framed value without a registry, and reports a failed fetch, asking again later', async () => {
    const framed = record(frameConfluent(7, codec.encode(event)));
    const noRegistry = await createRecordDecoder(codec, undefined).decode(framed);
    expect(noRegistry).toMatchObject({ ok: false, value: { format: 'confluent', schemaId: 7 } });
    expect(noRegistry.ok ? '' : noRegistry.reason).toContain('--schema-registry');

    const registry = fakeRegistry({ 7: codec.schemaText });
    registry.failOnce();
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const decoder = createRecordDecoder(codec, registry);
      expect(await decoder.decode(framed)).toMatchObject({ ok: false, reason: 'registry away' });
      // Within a few seconds the failure is remembered: no request per record while the registry is away.
      expect(await decoder.decode(framed)).toMatchObject({ ok: false, reason: 'registry away' });
      expect(registry.asked).toEqual([7]);
      vi.advanceTimersByTime(5_000);
      expect((await decoder.decode(framed)).ok).toBe(true);
      expect(registry.asked).toEqual([7, 7]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports an empty value and bytes that are no event', async () => {
    const decoder = createRecordDecoder(codec, undefined);
    expect(await decoder.decode(record(Buffer.alloc(0)))).toMatchObject({
      ok: false,
      reason: 'the record has no value',
    });
    expect((await decoder.decode(record(Buffer.from('not avro')))).ok).toBe(false);
  });
});

describe('describeValueFormat', () => {
  it('reads as a person says it', () => {
    expect(describeValueFormat({ format: 'avro' })).toBe('avro');
    expect(describeValueFormat({ format: 'confluent', schemaId: 12 })).toBe('confluent id 12');
  });
});
