/**
 * The state topic against the real broker through src/kafka (its admin and its partition reader): created and
 * counted as KafkaSink does it, and a take-over whose restore meets a record it cannot decode. That restore must
 * fail at once with STATE_RESTORE_FAILED, not retriable: kafkajs retries a batch whose handler threw and restarts
 * the consumer, which once turned such a record into a read that hung until its timeout and then started again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { createKafkaCluster, type KafkaCluster } from '../../src/kafka/index.js';
import { createShardTakeover, ShardSupervisor, StateTopicReader } from '../../src/shard-ownership/index.js';
import { statePartitionOf } from '../../src/sink/index.js';
import { createStateCodec, PresenceStateStore } from '../../src/state/index.js';
import { createTopic, kafkaBrokers, testKafka, uniqueTopic } from '../support/kafka.js';

const STATE_PARTITIONS = 3;
const codec = createStateCodec();

/** A pino logger at debug that keeps every line, the Kafka client's own included. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, destination) };
}

function clusterFor(logger: pino.Logger): KafkaCluster {
  return createKafkaCluster({
    brokers: kafkaBrokers(),
    clientId: `state-restore-test-${Date.now().toString(36)}`,
    connectionTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    logger,
  });
}

const lifecycle = new AbortController();
afterAll(() => lifecycle.abort());

describe('the state topic through src/kafka', () => {
  it('is created once, counted, and grown; a count of a missing topic is refused', async () => {
    const cluster = clusterFor(capturingLogger().logger);
    const topic = uniqueTopic('state-admin');
    const spec = { topic, partitions: 2, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } };
    await expect(cluster.withAdmin((admin) => admin.createTopics([spec]))).resolves.toBe(true);
    await expect(cluster.withAdmin((admin) => admin.createTopics([spec]))).resolves.toBe(false);
    await expect(cluster.withAdmin((admin) => admin.partitionCount(topic))).resolves.toBe(2);
    await cluster.withAdmin((admin) => admin.addPartitions(topic, 5));
    await expect(cluster.withAdmin((admin) => admin.partitionCount(topic))).resolves.toBe(5);
    const missing = await cluster
      .withAdmin((admin) => admin.partitionCount(uniqueTopic('missing')))
      .then(
        (count) => count,
        (error: unknown) => error,
      );
    expect(missing).toMatchObject({
      code: ErrorCodes.SINK_UNAVAILABLE,
      retriable: true,
      details: { kafkaError: 'UNKNOWN_TOPIC_OR_PARTITION' },
    });
  });

  it('fails a restore at once, not retriable, on a state record that does not decode', async () => {
    const { lines, logger } = capturingLogger();
    const cluster = clusterFor(logger);
    const stateTopic = uniqueTopic('state-corrupt');
    // The shared set-up helper rides out the busy broker's UNKNOWN_TOPIC_OR_PARTITION while it waits for leaders.
    await createTopic(stateTopic, { numPartitions: STATE_PARTITIONS, config: { 'cleanup.policy': 'compact' } });
    const partition = statePartitionOf('a', STATE_PARTITIONS);
    const good = {
      sequenceNumber: 'S1',
      availability: 'Available',
      activity: 'Available',
      observedAt: 1_700_000_000_000,
      fieldsHash: 7,
    };
    const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic: stateTopic,
        acks: -1,
        messages: [
          { key: codec.key('a', 'u1'), value: codec.encode(good), partition },
          // Not Avro of the state schema: a varint that runs past the end of the buffer.
          { key: codec.key('a', 'u2'), value: Buffer.from([0xff, 0xff, 0xff]), partition },
        ],
      });
    } finally {
      await producer.disconnect();
    }

    const supervisor = new ShardSupervisor({
      shards: [{ name: 'a', userIds: ['u1', 'u2'] }],
      statePartitionOf: () => partition,
      onRestored: async () => undefined,
      takeover: createShardTakeover(
        { claimShard: async () => undefined, releaseShard: async () => undefined },
        new StateTopicReader({
          kafka: cluster,
          clientId: 'state-restore-test',
          stateTopic,
          statePartitions: STATE_PARTITIONS,
        }),
      ),
      store: new PresenceStateStore(['u1', 'u2']),
      stateCodec: codec,
      createPoller: () => {
        throw new Error('a shard whose restore failed must not be polled');
      },
      onOwned: () => undefined,
      logger,
      signal: lifecycle.signal,
    });
    const started = Date.now();
    const failure = await supervisor.assign(['a']).then(
      () => undefined,
      (error: unknown) => error,
    );
    const elapsedMs = Date.now() - started;

    expect(isConnectorError(failure, ErrorCodes.STATE_RESTORE_FAILED)).toBe(true);
    expect(failure).toMatchObject({ retriable: false, details: { topic: stateTopic, partition, offset: '0' } });
    // The record's own fault, with its key, is the cause.
    expect((failure as Error).cause).toMatchObject({ code: ErrorCodes.STATE_RESTORE_FAILED, details: { key: 'a/u2' } });
    // At once: the restore's timeout is ten minutes, and nothing retried it.
    expect(elapsedMs).toBeLessThan(30_000);
    expect(lines.filter((line) => String(line['msg']).includes('retrying'))).toEqual([]);

    // Not looping underneath either: no consumer keeps re-running the batch once the read has failed.
    const seen = lines.length;
    await sleep(3_000);
    const later = lines.slice(seen).map((line) => String(line['msg']));
    expect(later.filter((msg) => /eachBatch|Restarting the consumer|Crash/i.test(msg))).toEqual([]);
    await supervisor.stop();
  }, 90_000);
});
