/**
 * Produces Confluent-framed presence events for the Flink SQL experiment (see README.md beside this file).
 *
 *   npx tsx bench/experiments/flink-sql/produce.ts --brokers 127.0.0.1:9092 \
 *     --registry http://127.0.0.1:8081/apis/ccompat/v7 --topic presence-changes --events 40 [--v2]
 *
 * Registers the .avsc text as it is on disk under `<topic>-value` (TopicNameStrategy), then writes N events built
 * by the connector's own buildPresenceEvent, each as 0x00 + 4-byte big-endian schema id + Avro binary, keyed by the
 * user id (UTF-8). With --v2 the writer schema is the current one with one field appended
 * (`graphRequestId`, ["null","string"], default null): a second version under the same subject, as a later
 * connector release would register it. With --unframed the values are plain Avro binary (no prefix), as the
 * connector writes them without a registry. --transactional sends them in one committed transaction (as the
 * connector's exactly-once mode does), --abort in one aborted transaction (what read_committed readers must not
 * see). Plain kafkajs, no connector code paths besides the event builder.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import avro from 'avsc';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { buildPresenceEvent, type PreviousObservation } from '../../../src/events/event.js';
import type { Presence } from '../../../src/graph/index.js';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    registry: { type: 'string' },
    topic: { type: 'string', default: 'presence-changes' },
    events: { type: 'string', default: '40' },
    users: { type: 'string', default: '8' },
    schema: { type: 'string', default: new URL('../../../schemas/presence-change.avsc', import.meta.url).pathname },
    v2: { type: 'boolean', default: false },
    // Plain Avro binary without the 5-byte prefix: what the connector writes when no registry is configured.
    unframed: { type: 'boolean', default: false },
    // Send in one transaction, as the connector does in exactly-once mode; --abort aborts it instead of committing.
    transactional: { type: 'boolean', default: false },
    abort: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.registry === undefined) throw new Error('--registry URL is required (the Confluent-compatible base URL)');
const registry = values.registry.replace(/\/+$/, '');
const topic = values.topic;
const count = Number(values.events);
const userCount = Number(values.users);

let schemaText = readFileSync(values.schema, 'utf8');
if (values.v2) {
  const parsed = JSON.parse(schemaText) as { fields: unknown[] };
  parsed.fields.push({
    name: 'graphRequestId',
    type: ['null', 'string'],
    default: null,
    doc: 'v2 experiment: a field appended by a later writer.',
  });
  schemaText = JSON.stringify(parsed, null, 2);
}
const type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema);

const subject = `${topic}-value`;
const response = await fetch(`${registry}/subjects/${encodeURIComponent(subject)}/versions`, {
  method: 'POST',
  headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
  body: JSON.stringify({ schema: schemaText }),
});
const body = await response.text();
if (!response.ok) throw new Error(`register ${subject}: HTTP ${response.status} ${body}`);
const { id } = JSON.parse(body) as { id: number };
process.stderr.write(`registered ${subject} (${values.v2 ? 'v2' : 'v1'}) as id ${id}\n`);

function frame(value: unknown): Buffer {
  const payload = type.toBuffer(value);
  if (values.unframed) return payload;
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, payload]);
}

const availabilities = [
  ['Available', 'Available'],
  ['Busy', 'InACall'],
  ['Away', 'Away'],
  ['DoNotDisturb', 'Presenting'],
  ['Offline', 'OffWork'],
] as const;
const base = Date.UTC(2026, 11, 1, 9, 0, 0);
const previous = new Map<string, PreviousObservation>();
const messages: { key: string; value: Buffer }[] = [];
for (let i = 0; i < count; i += 1) {
  const u = i % userCount;
  const userId = `00000000-0000-4000-8000-${String(u).padStart(12, '0')}`;
  const [availability, activity] = availabilities[(i + u) % availabilities.length] ?? availabilities[0];
  const presence: Presence = {
    id: userId,
    availability,
    activity,
    statusMessage:
      i % 3 === 0
        ? null
        : {
            content: `status ${i}`,
            contentType: 'text',
            publishedAt: '2026-12-01T08:00:00.0000000Z',
            expiresAt: i % 2 === 0 ? '2026-12-31T00:00:00.0000000' : null,
            expiresTimeZone: i % 2 === 0 ? 'UTC' : null,
          },
    outOfOffice: i % 4 === 0 ? null : { isOutOfOffice: i % 4 === 1, message: i % 4 === 1 ? 'Back Monday' : null },
    workLocation: i % 5 === 0 ? null : { workLocationType: 'office', source: 'manual', placeId: i % 2 ? 'b-42' : null },
    sequenceNumber: i % 6 === 0 ? null : `C1_${String(i).padStart(6, '0')}`,
  };
  const observedAt = base + i * 1000;
  const event: Record<string, unknown> = {
    ...buildPresenceEvent(presence, previous.get(userId), {
      tenantId: 'contoso.onmicrosoft.com',
      shard: 'shard-a',
      connector: 'flink-sql-experiment',
      observedAt,
    }),
  };
  if (values.v2) event.graphRequestId = `req-${i}`;
  previous.set(userId, { availability, activity, sequenceNumber: presence.sequenceNumber, observedAt });
  messages.push({ key: userId, value: frame(event) });
}

const kafka = new Kafka({
  clientId: 'flink-sql-experiment',
  brokers: values.brokers.split(','),
  logLevel: logLevel.WARN,
});
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(topic)) {
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
}
await admin.disconnect();
const transactional = values.transactional || values.abort;
const producer = kafka.producer({
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
  ...(transactional
    ? { transactionalId: `flink-sql-experiment-${process.pid}`, idempotent: true, maxInFlightRequests: 1 }
    : {}),
});
await producer.connect();
if (transactional) {
  const transaction = await producer.transaction();
  await transaction.send({ topic, messages });
  await (values.abort ? transaction.abort() : transaction.commit());
} else {
  await producer.send({ topic, acks: -1, messages });
}
await producer.disconnect();
process.stderr.write(
  `produced ${messages.length} events to ${topic} (schema id ${id})${values.abort ? ' in an ABORTED transaction' : transactional ? ' in a committed transaction' : ''}\n`,
);
