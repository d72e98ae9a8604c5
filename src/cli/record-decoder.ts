/**
 * Decodes the values on a presence topic, whichever way they were written: Confluent-framed (the writer schema is
 * fetched by id from the registry, once per id) or plain Avro (decoded with the schema this version ships). A topic
 * may hold both, e.g. after the registry was turned on. Never throws: a record it cannot decode is reported.
 */
import avro from 'avsc';
import { toError } from '../errors.js';
import type { DecodedPresenceChangeEvent, PresenceEventCodec } from '../events/index.js';
import type { TopicRecord } from '../kafka/index.js';
import { parseConfluentFrame, type SchemaRegistryClient } from '../schema-registry/index.js';

type WriterResolver = ReturnType<avro.Type['createResolver']>;

const FAILED_FETCH_MEMORY_MS = 5_000;

export type ValueFormat = { format: 'avro' } | { format: 'confluent'; schemaId: number };

export type DecodedValue =
  | { ok: true; event: DecodedPresenceChangeEvent; value: ValueFormat }
  | { ok: false; reason: string; value?: ValueFormat };

export interface RecordDecoder {
  decode(record: TopicRecord): Promise<DecodedValue>;
}

export function createRecordDecoder(
  codec: PresenceEventCodec,
  registry: Pick<SchemaRegistryClient, 'schemaById'> | undefined,
): RecordDecoder {
  const reader = avro.Type.forSchema(JSON.parse(codec.schemaText) as avro.Schema);
  // Per writer schema id: the resolver from that writer to this version's reader (fields added or dropped since).
  const resolvers = new Map<number, Promise<WriterResolver>>();
  const resolverFor = (client: Pick<SchemaRegistryClient, 'schemaById'>, schemaId: number) => {
    let resolver = resolvers.get(schemaId);
    if (resolver === undefined) {
      resolver = client.schemaById(schemaId).then((text) => {
        const writer = avro.Type.forSchema(JSON.parse(text) as avro.Schema);
        return reader.createResolver(writer);
      });
      // A failed fetch (registry away) is remembered for a few seconds, so a topic of framed records does not wait
      // a full request timeout per record; after that, the next record of that id asks again.
      resolver.catch(() => {
        setTimeout(() => resolvers.delete(schemaId), FAILED_FETCH_MEMORY_MS).unref();
      });
      resolvers.set(schemaId, resolver);
    }
    return resolver;
  };

  return {
    async decode(record) {
      if (record.value.length === 0) return { ok: false, reason: 'the record has no value' };
      const frame = parseConfluentFrame(record.value);
      if (frame === undefined) return decodePlain(codec, record.value);
      const value: ValueFormat = { format: 'confluent', schemaId: frame.schemaId };
      if (registry === undefined) {
        return {
          ok: false,
          value,
          reason: `Confluent-framed with schema id ${frame.schemaId}: give --schema-registry URL (or --config with schemaRegistry) to decode it`,
        };
      }
      try {
        const resolver = await resolverFor(registry, frame.schemaId);
        return { ok: true, value, event: reader.fromBuffer(frame.payload, resolver) as DecodedPresenceChangeEvent };
      } catch (error) {
        return { ok: false, value, reason: toError(error).message };
      }
    },
  };
}

function decodePlain(codec: PresenceEventCodec, bytes: Buffer): DecodedValue {
  try {
    return { ok: true, event: codec.decode(bytes), value: { format: 'avro' } };
  } catch (error) {
    return { ok: false, value: { format: 'avro' }, reason: toError(error).message };
  }
}

/** How the value was written, for a person: `avro` or `confluent id 7`. */
export function describeValueFormat(value: ValueFormat): string {
  return value.format === 'avro' ? 'avro' : `confluent id ${value.schemaId}`;
}
