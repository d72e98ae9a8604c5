/**
 * Proves that the broker the tests get (and the Kafka version scripts/kafka/jars.ts pins) works with kafkajs 2.2.4
 * for everything the connector relies on, and that a local broker keeps its data across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { ConfigResourceTypes, type Consumer } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { startLocalBroker } from '../../scripts/kafka/index.js';
import { isDevToolError } from '../../scripts/support/index.js';
import { createTopic, headerText, kafkaBrokers, readMessages, testKafka, uniqueTopic } from '../support/kafka.js';

const text = (buffer: Buffer | null): string | null => (buffer === null ? null : buffer.toString('utf8'));

/** Pids whose command line mentions `needle` (Linux /proc; elsewhere nothing to check). */
function processesMentioning(needle: string): string[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
    } catch {
      return false;
    }
  });
}

describe('kafkajs 2.2.4 against the test broker', () => {
  it('idempotent producer (acks -1, one request in flight): messages come back byte for byte', async () => {
    const topic = uniqueTopic('idempotent');
    await createTopic(topic, { numPartitions: 3 });
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `user-${i}`,
      // Binary values, including bytes that are not valid UTF-8, must survive untouched.
      value: Buffer.concat([Buffer.from([0x00, 0xff, i]), randomBytes(16)]),
      headers: { 'content-type': 'application/octet-stream', seq: String(i) },
    }));
    const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: sent });
    } finally {
      await producer.disconnect();
    }

    const received = await readMessages(topic, { count: sent.length });
    const byKey = new Map(received.map((message) => [text(message.key), message]));
    expect(byKey.size).toBe(sent.length);
    for (const message of sent) {
      const got = byKey.get(message.key);
      expect(got?.value?.equals(message.value)).toBe(true);
      expect(got && headerText(got, 'seq')).toBe(message.headers.seq);
      expect(got && headerText(got, 'content-type')).toBe('application/octet-stream');
    }
  });

  it('transactions: committed records reach read_committed readers, aborted and open ones do not', async () => {
    const topic = uniqueTopic('transactions');
    await createTopic(topic, { numPartitions: 2 });
    const producer = testKafka().producer({
      transactionalId: `tx-${topic}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const first = await producer.transaction();
      await first.send({
        topic,
        messages: [
          { key: 'a', value: 'committed-1' },
          { key: 'b', value: 'committed-2' },
        ],
      });
      await first.commit();

      const aborted = await producer.transaction();
      await aborted.send({
        topic,
        messages: [
          { key: 'a', value: 'aborted-1' },
          { key: 'b', value: 'aborted-2' },
        ],
      });
      await aborted.abort();

      const open = await producer.transaction();
      await open.send({ topic, messages: [{ key: 'a', value: 'committed-3' }] });

      const whileOpen = await readMessages(topic, { readCommitted: true, idleMs: 1_500 });
      expect(whileOpen.map((message) => text(message.value)).sort()).toEqual(['committed-1', 'committed-2']);

      await open.commit();
    } finally {
      await producer.disconnect();
    }

    const committed = await readMessages(topic, { readCommitted: true });
    expect(committed.map((message) => text(message.value)).sort()).toEqual([
      'committed-1',
      'committed-2',
      'committed-3',
    ]);
    // The aborted records really are in the log: only the isolation level hides them.
    const everything = await readMessages(topic, { readCommitted: false });
    expect(everything.map((message) => text(message.value)).sort()).toEqual([
      'aborted-1',
      'aborted-2',
      'committed-1',
      'committed-2',
      'committed-3',
    ]);
  });

  it('admin creates a compacted topic, and tombstones read back as null values', async () => {
    const topic = uniqueTopic('compacted');
    await createTopic(topic, { config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' } });
    const admin = testKafka().admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toContain(topic);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
      });
      const policy = described.resources[0]?.configEntries.find((entry) => entry.configName === 'cleanup.policy');
      expect(policy?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }

    const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'offset-key', value: '{"offset":1}' },
          { key: 'offset-key', value: null },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const received = await readMessages(topic, { count: 2 });
    expect(received.map((message) => text(message.value))).toEqual(['{"offset":1}', null]);
  });

  it('a consumer group spreads partitions over several consumers and rebalances when one leaves', async () => {
    const topic = uniqueTopic('group');
    const partitions = 6;
    await createTopic(topic, { numPartitions: partitions });
    const groupId = `group-${topic}`;
    const kafka = testKafka();
    const assignments = new Map<number, number[]>();
    const received = new Map<string, number>();
    const consumers: Consumer[] = [];

    const balanced = (members: number[], perMember: number): void => {
      const owned = members.flatMap((member) => assignments.get(member) ?? []);
      for (const member of members) expect(assignments.get(member)?.length).toBe(perMember);
      expect([...owned].sort((a, b) => a - b)).toEqual(Array.from({ length: partitions }, (_, i) => i));
    };
    const produce = async (prefix: string, count: number): Promise<string[]> => {
      const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({
        topic,
        messages: values.map((value, i) => ({ value, partition: i % partitions })),
      });
      await producer.disconnect();
      return values;
    };

    try {
      for (let member = 0; member < 3; member += 1) {
        const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, heartbeatInterval: 500 });
        consumers.push(consumer);
        consumer.on(consumer.events.GROUP_JOIN, (event) => {
          assignments.set(member, event.payload.memberAssignment[topic] ?? []);
        });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            received.set(text(message.value) ?? '', member);
          },
        });
      }
      await vi.waitFor(() => balanced([0, 1, 2], 2), { timeout: 30_000, interval: 200 });

      const firstBatch = await produce('first', 60);
      await vi.waitFor(() => expect(firstBatch.every((value) => received.has(value))).toBe(true), {
        timeout: 30_000,
        interval: 200,
      });
      expect(new Set(firstBatch.map((value) => received.get(value)))).toEqual(new Set([0, 1, 2]));

      await consumers[2]?.disconnect();
      assignments.delete(2);
      await vi.waitFor(() => balanced([0, 1], 3), { timeout: 30_000, interval: 200 });

      const secondBatch = await produce('second', 30);
      await vi.waitFor(() => expect(secondBatch.every((value) => received.has(value))).toBe(true), {
        timeout: 30_000,
        interval: 200,
      });
      expect(new Set(secondBatch.map((value) => received.get(value)))).toEqual(new Set([0, 1]));
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    }
  });
});

describe('local broker from Maven jars', () => {
  it('keeps its data across stop()/start() and kill()/start() on the same port', { timeout: 240_000 }, async () => {
    const broker = await startLocalBroker();
    try {
      const brokers = [...broker.brokers];
      expect(brokers).not.toEqual(kafkaBrokers());
      const topic = uniqueTopic('restart');
      await createTopic(topic, { brokers });
      const produce = async (value: string): Promise<void> => {
        const producer = testKafka({ brokers }).producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
        await producer.disconnect();
      };

      await produce('before-stop');
      let mark = Date.now();
      await broker.stop();
      const stopMs = Date.now() - mark;
      expect(broker.running).toBe(false);
      mark = Date.now();
      await broker.start();
      const restartMs = Date.now() - mark;
      expect(broker.brokers).toEqual(brokers);
      const afterStop = await readMessages(topic, { brokers, count: 1 });
      expect(afterStop.map((message) => text(message.value))).toEqual(['before-stop']);

      await produce('before-kill');
      await broker.kill();
      mark = Date.now();
      await broker.start();
      const restartAfterKillMs = Date.now() - mark;
      const afterKill = await readMessages(topic, { brokers, count: 2 });
      expect(afterKill.map((message) => text(message.value))).toEqual(['before-stop', 'before-kill']);

      console.info(
        `[kafka] second broker ${brokers.join(',')}: stop ${stopMs} ms, restart ${restartMs} ms, ` +
          `restart after SIGKILL ${restartAfterKillMs} ms`,
      );
    } finally {
      await broker.dispose();
    }
  });

  it('fails with the broker log in the error when its port is taken, and leaves no JVM behind', async () => {
    // The readiness probe does connect to this stand-in and waits for answers, so its sockets must be
    // destroyed for close() to finish.
    const sockets = new Set<Socket>();
    const blocker = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', resolveListen));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const error: unknown = await startLocalBroker({ port }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(isDevToolError(error, 'SERVICE_NOT_READY')).toBe(true);
      expect(String(error)).toMatch(/Address already in use|BindException/);
      const dataDir = isDevToolError(error) ? String(error.details['dataDir']) : '';
      expect(dataDir).not.toBe('');
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolveClose) => blocker.close(resolveClose));
    }
  });
});
