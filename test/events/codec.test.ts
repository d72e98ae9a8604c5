import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { formatEventLine } from '../../src/cli/event-view.js';
import {
  buildPresenceEvent,
  createPresenceEventCodec,
  isKnownChangeKind,
  PRESENCE_SCHEMA_PATH,
} from '../../src/events/index.js';
import type { Presence, StatusMessage } from '../../src/graph/index.js';

const presence: Presence = {
  id: '6e2b5a0f-3a1e-4c55-9a57-0c7a1f2d9e11',
  availability: 'Busy',
  activity: 'InACall',
  statusMessage: {
    content: 'Focus time',
    contentType: 'text',
    publishedAt: '2026-01-01T10:00:00Z',
    expiresAt: null,
    expiresTimeZone: null,
  },
  outOfOffice: { isOutOfOffice: false, message: null },
  workLocation: { workLocationType: 'office', source: 'scheduled', placeId: 'b1' },
  sequenceNumber: 'C0000000002',
};

const message: StatusMessage = {
  content: 'Focus time',
  contentType: 'text',
  publishedAt: '2026-01-01T10:00:00Z',
  expiresAt: null,
  expiresTimeZone: null,
};

describe('presence event codec', () => {
  const codec = createPresenceEventCodec();

  it('round-trips a change event and a reader built only from the .avsc file decodes it', () => {
    const event = buildPresenceEvent(
      presence,
      { availability: 'Available', activity: 'Available', sequenceNumber: 'C0000000001', observedAt: 1_000 },
      { tenantId: 'contoso', shard: 'emea', connector: 'test', observedAt: 2_000 },
    );
    const bytes = codec.encode(event);
    const independentReader = avro.Type.forSchema(
      JSON.parse(readFileSync(PRESENCE_SCHEMA_PATH, 'utf8')) as avro.Schema,
    );
    expect(independentReader.fromBuffer(bytes)).toEqual(event);
    expect(event.kind).toBe('CHANGE');
    expect(event.previousSequenceNumber).toBe('C0000000001');
  });

  it("writes avsc's own bytes for every event, each value its own bytes, across slabs and for a value larger than one", () => {
    const reference = avro.Type.forSchema(JSON.parse(readFileSync(PRESENCE_SCHEMA_PATH, 'utf8')) as avro.Schema);
    const huge = 'x'.repeat(100_000);
    // 600 events of about 250 bytes fill two 64 KB slabs; one event of 100 KB needs a slab of its own.
    const events = Array.from({ length: 600 }, (_, index) =>
      buildPresenceEvent(
        {
          ...presence,
          sequenceNumber: `C${index}`,
          statusMessage: index === 300 ? { ...message, content: huge } : message,
        },
        undefined,
        { tenantId: 't', shard: 's', connector: 'c', observedAt: index },
        `event-${index}`,
      ),
    );
    const values = events.map((event) => codec.encode(event));
    // Compared only after all were written: a later encode must not have touched an earlier value's bytes.
    values.forEach((value, index) => expect(value.equals(reference.toBuffer(events[index]))).toBe(true));
    expect(values[300]?.length).toBeGreaterThan(100_000);
  });

  it('marks a first observation as a SNAPSHOT with null previous fields', () => {
    const event = buildPresenceEvent(presence, undefined, { tenantId: 't', shard: 's', connector: 'c', observedAt: 5 });
    expect(codec.decode(codec.encode(event))).toMatchObject({
      kind: 'SNAPSHOT',
      previousAvailability: null,
      previousActivity: null,
      previousSequenceNumber: null,
      previousObservedAt: null,
    });
  });

  it('names the schema and its fingerprint (CRC-64-AVRO of the canonical form)', () => {
    expect(codec.schemaName).toBe('io.github.presenceconnector.v1.PresenceChange');
    expect(codec.schemaFingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('decodes a kind it does not know, written by a newer connector, and tail prints it', () => {
    // kind is an Avro string, so a newer writer's value (here MERGED) needs no schema change to reach old readers.
    const writer = avro.Type.forSchema(JSON.parse(readFileSync(PRESENCE_SCHEMA_PATH, 'utf8')) as avro.Schema);
    const event = buildPresenceEvent(presence, undefined, { tenantId: 't', shard: 's', connector: 'c', observedAt: 5 });
    const decoded = codec.decode(writer.toBuffer({ ...event, kind: 'MERGED' }));
    expect(decoded).toEqual({ ...event, kind: 'MERGED' });
    expect(isKnownChangeKind(decoded.kind)).toBe(false);
    expect(formatEventLine(decoded)).toContain('  shard s  MERGED    Busy/InACall  seq C0000000002');
  });

  it('writes kind as a plain Avro string, which SQL engines read as STRING', () => {
    const schema = JSON.parse(readFileSync(PRESENCE_SCHEMA_PATH, 'utf8')) as {
      fields: Array<{ name: string; type: unknown; doc: string }>;
    };
    const kind = schema.fields.find((field) => field.name === 'kind');
    expect(kind?.type).toBe('string');
    for (const value of ['SNAPSHOT', 'CHANGE', 'REMOVED']) expect(kind?.doc).toContain(value);
    expect(isKnownChangeKind('SNAPSHOT') && isKnownChangeKind('CHANGE')).toBe(true);
  });

  it('documents every field of the schema', () => {
    const schema = JSON.parse(readFileSync(PRESENCE_SCHEMA_PATH, 'utf8')) as {
      fields: Array<{ name: string; doc?: string; type: unknown }>;
    };
    const undocumented: string[] = [];
    const visit = (fields: Array<{ name: string; doc?: string; type: unknown }>, prefix: string) => {
      for (const field of fields) {
        if (field.doc === undefined || field.doc.trim() === '') undocumented.push(prefix + field.name);
        const branches = Array.isArray(field.type) ? field.type : [field.type];
        for (const branch of branches) {
          if (typeof branch === 'object' && branch !== null && 'fields' in branch) {
            visit(
              (branch as { fields: Array<{ name: string; doc?: string; type: unknown }> }).fields,
              `${prefix}${field.name}.`,
            );
          }
        }
      }
    };
    visit(schema.fields, '');
    expect(undocumented).toEqual([]);
  });
});
