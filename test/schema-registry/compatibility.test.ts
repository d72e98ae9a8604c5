import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRESENCE_SCHEMA_PATH } from '../../src/events/index.js';
import { explainIncompatibility } from '../../src/schema-registry/compatibility.js';

interface FieldSchema {
  name: string;
  type: unknown;
  default?: unknown;
}
interface RecordSchema {
  type: 'record';
  name: string;
  fields: FieldSchema[];
}

/** The published v1, as text (what the registry holds), and variants of it built here. */
const v1Text = readFileSync(PRESENCE_SCHEMA_PATH, 'utf8');

function variant(change: (schema: RecordSchema) => void, base: string = v1Text): string {
  const schema = JSON.parse(base) as RecordSchema;
  change(schema);
  return JSON.stringify(schema);
}

function fieldOf(schema: { fields: FieldSchema[] }, name: string): FieldSchema {
  const field = schema.fields.find((candidate) => candidate.name === name);
  if (field === undefined) throw new Error(`no field ${name} in the test schema`);
  return field;
}

const addedWithDefault = variant((schema) =>
  schema.fields.push({ name: 'region', type: ['null', 'string'], default: null }),
);
const addedWithoutDefault = variant((schema) => schema.fields.push({ name: 'region', type: 'string' }));
const shardRemoved = variant((schema) => {
  schema.fields = schema.fields.filter((field) => field.name !== 'shard');
});
const shardAsInt = variant((schema) => {
  fieldOf(schema, 'shard').type = 'int';
});

const BACKWARD_CONSEQUENCE = 'a reader with the new schema cannot read data written with the previous one';
const FORWARD_CONSEQUENCE = 'a reader with the previous schema cannot read data written with the new one';

describe('explainIncompatibility', () => {
  it('finds nothing for a field added with a default, under every level', () => {
    for (const level of ['BACKWARD', 'FORWARD', 'FULL', 'BACKWARD_TRANSITIVE', 'FULL_TRANSITIVE', 'NONE']) {
      expect(explainIncompatibility(level, v1Text, addedWithDefault)).toBeUndefined();
    }
  });

  it('finds nothing for the same schema', () => {
    expect(explainIncompatibility('FULL', v1Text, v1Text)).toBeUndefined();
  });

  it('names a field added without a default under BACKWARD: the new reader has nothing to fill it from', () => {
    expect(explainIncompatibility('BACKWARD', v1Text, addedWithoutDefault)).toBe(
      `field "region" (string) was added without a default, so ${BACKWARD_CONSEQUENCE}`,
    );
    // The old reader simply skips the new field.
    expect(explainIncompatibility('FORWARD', v1Text, addedWithoutDefault)).toBeUndefined();
    expect(explainIncompatibility('FULL', v1Text, addedWithoutDefault)).toContain('field "region" (string)');
  });

  it('names a removed field without a default under FORWARD: the old reader misses it in new data', () => {
    expect(explainIncompatibility('FORWARD', v1Text, shardRemoved)).toBe(
      `field "shard" (string) was removed, and the previous schema gives it no default, so ${FORWARD_CONSEQUENCE}`,
    );
    expect(explainIncompatibility('BACKWARD', v1Text, shardRemoved)).toBeUndefined();
    expect(explainIncompatibility('FULL', v1Text, shardRemoved)).toContain('field "shard"');
  });

  it('names a type change, with both types in order, under either direction', () => {
    expect(explainIncompatibility('BACKWARD', v1Text, shardAsInt)).toBe(
      `field "shard" changed type from string to int, so ${BACKWARD_CONSEQUENCE}`,
    );
    expect(explainIncompatibility('FORWARD', v1Text, shardAsInt)).toBe(
      `field "shard" changed type from string to int, so ${FORWARD_CONSEQUENCE}`,
    );
  });

  it('accepts a promotion Avro allows one way only (int read as long), and names the other way', () => {
    const base = variant((schema) => schema.fields.push({ name: 'count', type: 'int', default: 0 }));
    const widened = variant((schema) => {
      fieldOf(schema, 'count').type = 'long';
    }, base);
    expect(explainIncompatibility('BACKWARD', base, widened)).toBeUndefined();
    expect(explainIncompatibility('FORWARD', base, widened)).toContain('field "count" changed type from int to long');
  });

  it('names a field inside a nullable record by its path', () => {
    const nested = variant((schema) => {
      const union = fieldOf(schema, 'outOfOffice').type as [string, { fields: FieldSchema[] }];
      union[1].fields.push({ name: 'until', type: 'string' });
    });
    expect(explainIncompatibility('BACKWARD', v1Text, nested)).toBe(
      `field "outOfOffice.until" (string) was added without a default, so ${BACKWARD_CONSEQUENCE}`,
    );
  });

  it('names a nullable field that became required', () => {
    const required = variant((schema) => {
      const field = fieldOf(schema, 'sequenceNumber');
      field.type = 'string';
      delete field.default;
    });
    expect(explainIncompatibility('BACKWARD', v1Text, required)).toContain(
      'field "sequenceNumber" changed type from [null, string] to string',
    );
    // Old readers accept a plain string where they expect [null, string].
    expect(explainIncompatibility('FORWARD', v1Text, required)).toBeUndefined();
  });

  describe('enums', () => {
    const withKind = (symbols: string[], fallback?: string): string =>
      variant((schema) => {
        fieldOf(schema, 'kind').type = {
          type: 'enum',
          name: 'ChangeKind',
          symbols,
          ...(fallback === undefined ? {} : { default: fallback }),
        };
      });

    it('names a symbol an old reader cannot read, unless its enum has a default', () => {
      const old = withKind(['SNAPSHOT', 'CHANGE']);
      const added = withKind(['SNAPSHOT', 'CHANGE', 'REMOVED']);
      expect(explainIncompatibility('FORWARD', old, added)).toContain(
        'field "kind": enum io.github.presenceconnector.v1.ChangeKind gained symbol(s) REMOVED',
      );
      expect(explainIncompatibility('BACKWARD', old, added)).toBeUndefined();
      // The enum default is what lets an old reader accept a kind it does not know.
      const tolerant = withKind(['SNAPSHOT', 'CHANGE', 'UNKNOWN'], 'UNKNOWN');
      const tolerantAdded = withKind(['SNAPSHOT', 'CHANGE', 'UNKNOWN', 'REMOVED'], 'UNKNOWN');
      expect(explainIncompatibility('FULL', tolerant, tolerantAdded)).toBeUndefined();
    });

    it('names a dropped symbol under BACKWARD', () => {
      expect(explainIncompatibility('BACKWARD', withKind(['SNAPSHOT', 'CHANGE']), withKind(['SNAPSHOT']))).toContain(
        'dropped symbol(s) CHANGE and has no default',
      );
    });
  });

  it('names a renamed record', () => {
    const renamed = variant((schema) => {
      schema.name = 'PresenceEvent';
    });
    expect(explainIncompatibility('BACKWARD', v1Text, renamed)).toContain(
      'record io.github.presenceconnector.v1.PresenceChange was renamed to io.github.presenceconnector.v1.PresenceEvent',
    );
  });

  it('treats *_TRANSITIVE like its plain level for one pair, and is case-insensitive', () => {
    expect(explainIncompatibility('BACKWARD_TRANSITIVE', v1Text, addedWithoutDefault)).toBe(
      explainIncompatibility('BACKWARD', v1Text, addedWithoutDefault),
    );
    expect(explainIncompatibility('forward_transitive', v1Text, shardRemoved)).toContain('field "shard"');
  });

  it('checks nothing under NONE or a level it does not know', () => {
    expect(explainIncompatibility('NONE', v1Text, shardAsInt)).toBeUndefined();
    expect(explainIncompatibility('SOMETHING_NEW', v1Text, shardAsInt)).toBeUndefined();
  });

  it('refuses a schema that is not Avro with SCHEMA_INVALID', () => {
    expect(() => explainIncompatibility('BACKWARD', v1Text, '{"type": "recrd"}')).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', message: 'the new schema is not a valid Avro schema' }),
    );
    expect(() => explainIncompatibility('BACKWARD', 'not json', v1Text)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', message: 'the previous schema is not a valid Avro schema' }),
    );
  });
});
