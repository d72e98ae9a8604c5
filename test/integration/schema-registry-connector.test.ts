/**
 * The connector with a schema registry, end to end: the simulator, the real worker, a real Kafka broker and a
 * real registry. The reader here knows only the registry URL: it takes the schema id from each value's Confluent
 * framing, fetches the writer schema by id over plain HTTP and decodes with it, as Flink, ksqlDB or Connect do.
 */
import avro from 'avsc';
import { request } from 'undici';
import { afterEach, expect, it } from 'vitest';
import { isConnectorError } from '../../src/errors.js';
import { startHarness, type Harness } from '../support/connector-harness.js';
import { runCli } from '../support/cli.js';
import { buildPresenceEvent, createPresenceEventCodec } from '../../src/events/index.js';
import { headerText, kafkaBrokers, readMessages, testKafka, waitForTopic, type ReadMessage } from '../support/kafka.js';
import { describeWithRegistry, registryForwarder, registryUrl } from '../support/registry.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Decodes one value knowing nothing but the registry: framing, id, writer schema by id. */
async function decodeWithRegistryOnly(
  message: ReadMessage,
  schemas: Map<number, avro.Type>,
): Promise<{ schemaId: number; event: Record<string, unknown> }> {
  const value = message.value;
  if (value === null || value.length < 5 || value[0] !== 0) throw new Error(`offset ${message.offset}: not framed`);
  const schemaId = value.readUInt32BE(1);
  let type = schemas.get(schemaId);
  if (type === undefined) {
    const response = await request(`${registryUrl()}/schemas/ids/${schemaId}`);
    const body = (await response.body.json()) as { schema: string };
    type = avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema);
    schemas.set(schemaId, type);
  }
  return { schemaId, event: type.fromBuffer(value.subarray(5)) as Record<string, unknown> };
}

async function subjectVersions(subject: string): Promise<number[]> {
  const response = await request(`${registryUrl()}/subjects/${encodeURIComponent(subject)}/versions`);
  return (await response.body.json()) as number[];
}

describeWithRegistry('the connector with a schema registry', () => {
  it('registers the event schema at start and frames every value with its id; a registry-only reader decodes them', async () => {
    harness = await startHarness({ userCount: 40, settings: { schemaRegistry: { url: registryUrl() } } });
    const { simulator, worker, topic } = harness;
    await worker.start();
    await waitForTopic(topic);
    // Snapshots first, then three changes: one schema id for both kinds.
    expect(await readMessages(topic, { count: 40 })).toHaveLength(40);
    simulator.changeUsers([1, 2, 3]);

    const messages = await readMessages(topic, { count: 43, idleMs: 1_500 });
    expect(messages).toHaveLength(43);
    const schemas = new Map<number, avro.Type>();
    const decoded = await Promise.all(messages.map((message) => decodeWithRegistryOnly(message, schemas)));
    const ids = new Set(decoded.map((entry) => entry.schemaId));
    expect(ids.size).toBe(1);
    expect(decoded.filter((entry) => entry.event['kind'] === 'SNAPSHOT')).toHaveLength(40);
    expect(decoded.filter((entry) => entry.event['kind'] === 'CHANGE')).toHaveLength(3);
    expect(new Set(decoded.map((entry) => entry.event['userId']))).toEqual(new Set(simulator.userIds()));
    // The CloudEvents content-type tells framed values from raw ones.
    expect(new Set(messages.map((message) => headerText(message, 'content-type')))).toEqual(
      new Set(['application/avro; wire-format=confluent']),
    );

    // The id is the one registered under TopicNameStrategy's subject, and the log says so.
    expect(await subjectVersions(`${topic}-value`)).toEqual([1]);
    const registered = harness.logs.find((line) => line['msg'] === 'event schema registered');
    expect(registered).toMatchObject({ subject: `${topic}-value`, schemaId: [...ids][0], version: 1 });
    expect(worker.health().reasons.some((reason) => reason.startsWith('Schema Registry'))).toBe(false);
  });

  it('a restart finds its schema already registered: same id, no new version', async () => {
    harness = await startHarness({ userCount: 5, settings: { schemaRegistry: { url: registryUrl() } } });
    await harness.worker.start();
    await waitForTopic(harness.topic);
    expect(await readMessages(harness.topic, { count: 5 })).toHaveLength(5);
    const first = harness.logs.find((line) => line['msg'] === 'event schema registered');
    const config = harness.config;
    await harness.worker.stop();

    const { createWorker } = await import('../../src/pipeline/index.js');
    const { createLogger } = await import('../../src/observability/index.js');
    const lines: Array<Record<string, unknown>> = [];
    const again = createWorker(config, {
      logger: createLogger({
        level: 'info',
        destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      }),
    });
    await again.start();
    await again.stop();
    const found = lines.find((line) => line['msg'] === 'event schema found in the registry');
    expect(found).toMatchObject({ subject: `${harness.topic}-value`, schemaId: first?.['schemaId'], version: 1 });
    expect(await subjectVersions(`${harness.topic}-value`)).toEqual([1]);
  });

  it('with auto-register off and the schema missing, the start fails naming the subject and the fingerprint', async () => {
    harness = await startHarness({
      userCount: 3,
      settings: { schemaRegistry: { url: registryUrl(), autoRegister: false } },
    });
    const failure = await harness.worker.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isConnectorError(failure, 'SCHEMA_NOT_REGISTERED')).toBe(true);
    expect(String(failure)).toContain(`"${harness.topic}-value"`);
    expect(String(failure)).toMatch(/fingerprint [0-9a-f]{16}/);
  });

  it('waits for a registry that is down at start (readiness says why), and keeps publishing when it goes away later', async () => {
    const forwarder = await registryForwarder();
    harness = await startHarness({
      userCount: 10,
      settings: { schemaRegistry: { url: forwarder.url, requestTimeoutMs: 1_000 } },
    });
    const { simulator, worker, topic } = harness;
    const starting = worker.start();
    const waiting = () =>
      harness?.logs.some((line) => line['msg']?.toString().startsWith('Schema Registry unavailable'));
    while (waiting() !== true) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(worker.health().ready).toBe(false);
    expect(worker.health().reasons).toContainEqual(expect.stringMatching(/^Schema Registry: unavailable at /));
    // Nothing was polled, so nothing can have been written unframed.
    expect(simulator.recording.counters().presenceRequests).toBe(0);

    await forwarder.open();
    await starting;
    expect(await readMessages(topic, { count: 10 })).toHaveLength(10);

    await forwarder.close();
    simulator.changeUsers([4, 5]);
    const all = await readMessages(topic, { count: 12, idleMs: 1_500 });
    // The registry is not needed any more: no reason about it, and the worker stays ready.
    expect(worker.health().reasons.filter((reason) => reason.startsWith('Schema Registry'))).toEqual([]);
    const schemas = new Map<number, avro.Type>();
    await forwarder.open();
    const decoded = await Promise.all(all.map((message) => decodeWithRegistryOnly(message, schemas)));
    await forwarder.close();
    expect(decoded.map((entry) => entry.event['kind']).filter((kind) => kind === 'CHANGE')).toHaveLength(2);
    expect(schemas.size).toBe(1);
  });

  it('tail decodes Confluent-framed values with the writer schema from the registry, and says how each was written', async () => {
    harness = await startHarness({ userCount: 6, settings: { schemaRegistry: { url: registryUrl() } } });
    const { worker, topic } = harness;
    await worker.start();
    await waitForTopic(topic);
    expect(await readMessages(topic, { count: 6 })).toHaveLength(6);
    const brokers = kafkaBrokers().join(',');
    const tail = (extra: string[]) =>
      runCli(['tail', '--topic', topic, '--brokers', brokers, '--from-beginning', '--max', '6', ...extra]);

    const withRegistry = await tail(['--json', '--schema-registry', registryUrl()]);
    expect(withRegistry.code, withRegistry.stderr).toBe(0);
    const printed = withRegistry.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(printed).toHaveLength(6);
    const registered = harness.logs.find((line) => line['msg'] === 'event schema registered');
    expect(printed.every((event) => event['valueFormat'] === 'confluent')).toBe(true);
    expect(new Set(printed.map((event) => event['schemaId']))).toEqual(new Set([registered?.['schemaId']]));
    expect(new Set(printed.map((event) => event['userId']))).toEqual(new Set(harness.simulator.userIds()));
    expect(printed.every((event) => event['kind'] === 'SNAPSHOT')).toBe(true);

    const human = await tail(['--schema-registry', registryUrl()]);
    expect(human.stdout).toHaveLength(6);
    expect(human.stdout.every((line) => line.endsWith(`(confluent id ${String(registered?.['schemaId'])})`))).toBe(
      true,
    );

    // One plain (unframed) record on the same topic, as written before the registry was configured: tail decodes
    // both kinds side by side and labels each.
    const raw = createPresenceEventCodec();
    const plain = buildPresenceEvent(
      {
        id: harness.simulator.userIdAt(0),
        availability: 'Away',
        activity: 'Away',
        statusMessage: null,
        outOfOffice: null,
        workLocation: null,
        sequenceNumber: null,
      },
      undefined,
      { tenantId: 't', shard: 'legacy', connector: 'before-the-registry', observedAt: 1 },
    );
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: plain.userId, value: raw.encode(plain) }] });
    await producer.disconnect();
    const all = ['tail', '--topic', topic, '--brokers', brokers, '--from-beginning', '--max', '7'];
    const mixed = await runCli([...all, '--json', '--schema-registry', registryUrl()]);
    const formats = mixed.stdout.map((line) => (JSON.parse(line) as Record<string, unknown>)['valueFormat']);
    expect(formats.filter((format) => format === 'confluent')).toHaveLength(6);
    expect(formats.filter((format) => format === 'avro')).toHaveLength(1);

    const without = await runCli(all);
    expect(without.code).toBe(0);
    expect(without.stdout).toHaveLength(1);
    expect(without.stdout[0]).toContain('(avro)');
    const skipped = without.stderr.split('\n').filter((line) => line.startsWith('skipped record'));
    expect(skipped).toHaveLength(6);
    expect(skipped[0]).toContain('Confluent-framed with schema id');
    expect(skipped[0]).toContain('--schema-registry');
  });
});
