/**
 * Experiment behind a proposal in BENCHMARKS.md: how the size of a transaction (batches of 650 events + 650
 * state records committed together, as TransactionalPublisher.takeGroup does) changes raw kafkajs throughput,
 * with kafkajs as shipped and with its quadratic groupMessagesPerPartition replaced by a linear one.
 *
 *   npx tsx bench/experiments/kafka-grouping.ts --brokers 127.0.0.1:9092            # kafkajs as shipped
 *   node --require ./bench/experiments/linear-grouping.cjs --import tsx bench/experiments/kafka-grouping.ts --brokers ...
 *   ... --headers minimal|none|legacy   # other record headers than the default cloudevents (see header-cost.ts)
 *   ... --sends whole,per-batch        # one sendBatch per transaction, or one per 650-event batch (interleaved)
 *
 * Without --brokers it starts its own broker.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { statePartitionOf } from '../../src/sink/index.js';
import { startLocalBroker } from '../../scripts/kafka/index.js';
import { benchKafka, compressionOf, createConnectorTopics, transactionalProducer } from '../lib/kafka.js';
import { selfCpuSeconds } from '../lib/proc.js';
import { BENCH_HEADER_MODES, changeRecords, isBenchHeaderMode, SHARD, simulatedPresences } from '../lib/records.js';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    events: { type: 'string', default: '39000' },
    groups: { type: 'string', default: '1,2,4,8,15' },
    compression: { type: 'string', default: 'gzip' },
    repetitions: { type: 'string', default: '2' },
    // A kafka.headers mode, or legacy: the five headers of 0.1.0.
    headers: { type: 'string', default: 'cloudevents' },
    // How a transaction's records go to kafkajs: `whole` in one sendBatch (kafkajs groups them all at once, in
    // quadratic time), `per-batch` one sendBatch per 650 events + 650 state records inside the same transaction.
    sends: { type: 'string', default: 'whole,per-batch' },
  },
});
// The preload replaces the module in require's cache before kafkajs loads it.
const patched = process.execArgv.some((argument) => argument.includes('linear-grouping'));
const broker = values.brokers === undefined ? await startLocalBroker() : undefined;
const brokers = values.brokers?.split(',') ?? broker?.brokers ?? [];
const count = Number(values.events);
const compression = values.compression === 'none' ? 'none' : 'gzip';
const headers = values.headers ?? 'cloudevents';
if (!isBenchHeaderMode(headers)) throw new Error(`--headers must be one of ${BENCH_HEADER_MODES.join(', ')}`);
const { events, state } = changeRecords(await simulatedPresences(count), Date.now(), headers);
const kafka = benchKafka(brokers, 'bench-grouping');
const suffix = randomBytes(4).toString('hex');
const topics = {
  events: `grouping-${suffix}`,
  eventsPartitions: 6,
  state: `grouping-${suffix}.state`,
  statePartitions: 12,
};
await createConnectorTopics(kafka, topics);
const partition = statePartitionOf(SHARD, 12);
process.stdout.write(
  `kafkajs groupMessagesPerPartition: ${patched ? 'linear (patched)' : 'as shipped'}; ${count} events, ${compression}, headers: ${values.headers}\n`,
);
const sendModes = (values.sends ?? '').split(',').filter((mode) => mode === 'whole' || mode === 'per-batch');
for (let repetition = 0; repetition < Number(values.repetitions); repetition++) {
  for (const batchesPerTransaction of (values.groups ?? '').split(',').map(Number)) {
    for (const sends of sendModes) {
      const producer = await transactionalProducer(kafka, `grouping-${randomBytes(4).toString('hex')}`);
      const warm = await producer.transaction();
      await warm.abort();
      const size = 650 * batchesPerTransaction;
      const step = sends === 'whole' ? size : 650;
      const cpu = selfCpuSeconds();
      const started = performance.now();
      for (let start = 0; start < count; start += size) {
        const transaction = await producer.transaction();
        for (let from = start; from < Math.min(count, start + size); from += step) {
          await transaction.sendBatch({
            acks: -1,
            compression: compressionOf(compression),
            topicMessages: [
              { topic: topics.events, messages: events.slice(from, from + step) },
              {
                topic: topics.state,
                messages: state.slice(from, from + step).map((record) => ({ ...record, partition })),
              },
            ],
          });
        }
        await transaction.commit();
      }
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = selfCpuSeconds() - cpu;
      process.stdout.write(
        `  ${String(batchesPerTransaction).padStart(2)} x 650 per transaction, ${sends.padEnd(9)}: ${Math.round(count / seconds)} events/s, ${Math.round(count / cpuSeconds)} events per CPU-s\n`,
      );
      await producer.disconnect();
    }
  }
}
await broker?.dispose();
