/**
 * Writes N state records to a state topic the way the connector does (key `<shard>/<userId>`, Avro PresenceState
 * from createStateCodec, 650 records per transaction into the shard's partition), holding the states a fresh
 * simulator with N users serves. A worker started on it afterwards restores N users whose presences are all
 * duplicates, so its cycles cost Graph and dedup only.
 */
import { randomBytes } from 'node:crypto';
import { statePartitionOf } from '../../src/sink/index.js';
import { createStateCodec, stateOf } from '../../src/state/index.js';
import { benchKafka, compressionOf, createConnectorTopics, transactionalProducer } from '../lib/kafka.js';
import { SHARD, simulatedPresences } from '../lib/records.js';
import { numberParam, progress, round, type Scenario, type ScenarioContext } from '../lib/scenario.js';

const STATE_PARTITIONS = 12;
const RECORDS_PER_TRANSACTION = 650;
/** Transactions in flight at once (each producer has its own transactional id), to keep a 1M prefill short. */
const WRITERS = 4;

export const prefillState: Scenario = async (context: ScenarioContext) => {
  const userCount = numberParam(context, 'users', 100_000);
  const suffix = randomBytes(4).toString('hex');
  const connectorName = `bench-scale-${suffix}`;
  const topic = `bench-scale-${suffix}`;
  const stateTopic = `${connectorName}.presence-state`;
  const partition = statePartitionOf(SHARD, STATE_PARTITIONS);
  const codec = createStateCodec();
  const observedAt = Date.now();
  progress(`encoding ${userCount} state records`);
  const records = (await simulatedPresences(userCount)).map((presence) => ({
    key: codec.key(SHARD, presence.id),
    value: codec.encode(stateOf(presence, observedAt)),
    partition,
  }));
  const kafka = benchKafka(context.brokers, 'bench-prefill');
  await createConnectorTopics(kafka, {
    events: topic,
    eventsPartitions: 6,
    state: stateTopic,
    statePartitions: STATE_PARTITIONS,
  });
  const started = performance.now();
  let next = 0;
  const writer = async (index: number): Promise<void> => {
    const producer = await transactionalProducer(kafka, `${connectorName}-prefill-${index}`);
    try {
      for (let start = next; start < records.length; start = next) {
        next += RECORDS_PER_TRANSACTION;
        const transaction = await producer.transaction();
        await transaction.send({
          topic: stateTopic,
          acks: -1,
          compression: compressionOf('gzip'),
          messages: records.slice(start, start + RECORDS_PER_TRANSACTION),
        });
        await transaction.commit();
      }
    } finally {
      await producer.disconnect();
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, index) => writer(index)));
  const seconds = (performance.now() - started) / 1000;
  progress(`wrote ${records.length} state records in ${round(seconds, 1)} s`);
  return {
    rows: [],
    details: {
      userCount,
      connectorName,
      topic,
      stateTopic,
      partition,
      records: records.length,
      writeSeconds: round(seconds, 2),
      writers: WRITERS,
    },
  };
};
