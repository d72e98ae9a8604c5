/**
 * The raw transactional ceiling of bench/scenarios/kafka-ceiling.ts (`txn-grouped`), run with three Kafka clients
 * in one process, on one broker, with the same records: kafkajs (the project's), @confluentinc/kafka-javascript
 * and @platformatic/kafka. Runs are interleaved (A B C A B C) so that load from other users of the machine hits
 * every client alike. See README.md here for installing the two candidates.
 *
 *   node --expose-gc --import tsx bench/experiments/client-move/ceiling.ts --brokers "$KAFKA_BROKERS"
 *     [--events 100000] [--repetitions 3] [--clients kafkajs,confluent,platformatic] [--compression gzip|none]
 *     [--warm-up-events 6500]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TopicBatch } from '../../../src/kafka/index.js';
import { statePartitionOf } from '../../../src/sink/index.js';
import { benchKafka, createConnectorTopics } from '../../lib/kafka.js';
import { processCpuSeconds, selfCpuSeconds } from '../../lib/proc.js';
import { changeRecords, SHARD, simulatedPresences, type BenchRecord } from '../../lib/records.js';
import { median, round } from '../../lib/scenario.js';
import type { ClientProducer as Producer, ClientUnderTest } from './client.js';
import { brokerPidOf } from './broker-pid.js';
import { loadClients } from './load-clients.js';
import { committedKeys } from './readback.js';

/** kafka-ceiling.ts's txn-grouped: 650-event batches grouped up to 20,000 records (events + state) per commit. */
const BATCH = 650;
const GROUP_LIMIT_RECORDS = 20_000;
const EVENT_PARTITIONS = 6;
const STATE_PARTITIONS = 12;

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env['KAFKA_BROKERS'] ?? '' },
    events: { type: 'string', default: '100000' },
    repetitions: { type: 'string', default: '3' },
    clients: { type: 'string', default: 'kafkajs,confluent,platformatic' },
    compression: { type: 'string', default: 'gzip' },
    'broker-pid': { type: 'string' },
    // One unrecorded run per client first: the first run of a client in a process pays its JIT warm-up.
    'warm-up-events': { type: 'string', default: '6500' },
  },
});

interface Run {
  client: string;
  repetition: number;
  events: number;
  transactions: number;
  seconds: number;
  eventsPerSecond: number;
  cpuSeconds: number;
  eventsPerCpuSecond: number;
  brokerCpuSeconds: number | null;
}

interface Target {
  events: string;
  state: string;
  statePartition: number;
}

const brokers = (values.brokers ?? '').split(',').filter((broker) => broker !== '');
if (brokers.length === 0) throw new Error('give --brokers or set KAFKA_BROKERS');
const count = Number(values.events);
const repetitions = Number(values.repetitions);
const compression = values.compression === 'none' ? 'none' : 'gzip';
const clients = await loadClients(values.clients ?? '');
const brokerPid = values['broker-pid'] === undefined ? brokerPidOf(brokers[0] ?? '') : Number(values['broker-pid']);

log(`building ${count} events and state records with the connector's codecs`);
const { events, state } = changeRecords(await simulatedPresences(count), Date.now());
const kafka = benchKafka(brokers, 'client-move');
const suffix = randomBytes(4).toString('hex');
const target: Target = {
  events: `client-move-${suffix}`,
  state: `client-move-${suffix}.state`,
  statePartition: statePartitionOf(SHARD, STATE_PARTITIONS),
};
await createConnectorTopics(kafka, {
  events: target.events,
  eventsPartitions: EVENT_PARTITIONS,
  state: target.state,
  statePartitions: STATE_PARTITIONS,
});
log(`clients: ${clients.map((client) => client.version).join(', ')}; ${compression}; broker pid ${brokerPid ?? '?'}`);

const warmUp = Number(values['warm-up-events']);
for (const client of warmUp > 0 ? clients : []) {
  const run = await measure(client, 0, warmUp);
  log(`${client.name} warm-up (${warmUp} events, not counted): ${Math.round(run.eventsPerSecond)} events/s`);
}

const runs: Run[] = [];
for (let repetition = 1; repetition <= repetitions; repetition++) {
  for (const client of clients) {
    const run = await measure(client, repetition);
    runs.push(run);
    log(
      `${client.name} #${repetition}: ${Math.round(run.eventsPerSecond)} events/s, ` +
        `${Math.round(run.eventsPerCpuSecond)} events/CPU-s (${run.seconds} s, ${run.cpuSeconds} CPU-s)`,
    );
  }
}
await checkCommitted(runs, warmUp * (warmUp > 0 ? clients.length : 0));
report(runs);

async function measure(client: ClientUnderTest, repetition: number, limit = events.length): Promise<Run> {
  const sent = events.slice(0, limit);
  const producer = await client.transactionalProducer({
    brokers,
    transactionalId: `client-move-${client.name}-${randomBytes(4).toString('hex')}`,
    transactionTimeoutMs: 60_000,
    compression,
  });
  let timed: Timed;
  try {
    timed = await sendTimed(producer, sent);
  } finally {
    await producer.close();
  }
  const { transactions, seconds, cpu, brokerCpu } = timed;
  return {
    client: client.name,
    repetition,
    events: sent.length,
    transactions,
    seconds: round(seconds, 3),
    eventsPerSecond: sent.length / seconds,
    cpuSeconds: round(cpu, 3),
    eventsPerCpuSecond: sent.length / cpu,
    brokerCpuSeconds: brokerCpu,
  };
}

interface Timed {
  transactions: number;
  seconds: number;
  cpu: number;
  brokerCpu: number | null;
}

/** The measured part: every group committed, with the clock and the CPU counters around it. */
async function sendTimed(producer: Producer, sent: readonly BenchRecord[]): Promise<Timed> {
  collectGarbage();
  const cpuBefore = selfCpuSeconds();
  const brokerBefore = processCpuSeconds(brokerPid);
  const started = performance.now();
  const perGroup = BATCH * Math.max(1, Math.floor(GROUP_LIMIT_RECORDS / (2 * BATCH)));
  let transactions = 0;
  for (let start = 0; start < sent.length; start += perGroup) {
    const end = Math.min(start + perGroup, sent.length);
    await commitGroup(producer, sent.slice(start, end), state.slice(start, end));
    transactions++;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = selfCpuSeconds() - cpuBefore;
  const brokerAfter = processCpuSeconds(brokerPid);
  const brokerCpu = brokerBefore === null || brokerAfter === null ? null : round(brokerAfter - brokerBefore, 2);
  return { transactions, seconds, cpu, brokerCpu };
}

/** The connector's request: one send over both topics, then commit; a failed send is aborted. */
async function commitGroup(
  producer: Producer,
  groupEvents: readonly BenchRecord[],
  groupState: readonly BenchRecord[],
): Promise<void> {
  const transaction = await producer.begin();
  const batches: TopicBatch[] = [
    { topic: target.events, records: groupEvents },
    { topic: target.state, records: groupState.map((record) => ({ ...record, partition: target.statePartition })) },
  ];
  try {
    await transaction.send(batches);
  } catch (error) {
    await transaction.abort();
    throw error;
  }
  await transaction.commit();
}

/**
 * Every event sent must be on the topic once, committed: read back with read_committed kafkajs. (End offsets are
 * no check: kafkajs's fetchTopicOffsets answers the last stable offset, which lags until the commit markers are
 * written, after commit() has returned.)
 */
async function checkCommitted(all: readonly Run[], warmUpEvents: number): Promise<void> {
  const expected = warmUpEvents + all.reduce((sum, run) => sum + run.events, 0);
  const found = (await committedKeys(kafka, target.events, 5_000, 600_000)).length;
  if (found !== expected) throw new Error(`${found} committed events read back, ${expected} sent`);
  log(`read back: ${found} committed events, as many as were sent`);
}

/** Garbage of the previous client's run must not be collected on the next one's clock. */
function collectGarbage(): void {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc === 'function') (gc as () => void)();
}

function report(all: readonly Run[]): void {
  const summary = clients.map((client) => {
    const mine = all.filter((run) => run.client === client.name);
    return {
      client: client.version,
      eventsPerSecond: round(median(mine.map((run) => run.eventsPerSecond))),
      eventsPerCpuSecond: round(median(mine.map((run) => run.eventsPerCpuSecond))),
      brokerCpuSeconds: median(mine.flatMap((run) => (run.brokerCpuSeconds === null ? [] : [run.brokerCpuSeconds]))),
    };
  });
  const baseline = summary[0];
  const lines = [
    `| client | events/s | events/CPU-s | vs ${clients[0]?.name ?? '?'} (events/s, events/CPU-s) | broker CPU-s per run |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...summary.map(
      (row) =>
        `| ${row.client} | ${row.eventsPerSecond} | ${row.eventsPerCpuSecond} | ` +
        `${ratio(row.eventsPerSecond, baseline?.eventsPerSecond)} / ${ratio(row.eventsPerCpuSecond, baseline?.eventsPerCpuSecond)} | ` +
        `${Number.isNaN(row.brokerCpuSeconds) ? '?' : row.brokerCpuSeconds} |`,
    ),
  ];
  process.stdout.write(
    `\nmedians of ${repetitions} interleaved runs, ${count} events (+ ${count} state records) each, ${compression}:\n${lines.join('\n')}\n`,
  );
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/client-move-ceiling-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify({ count, repetitions, compression, brokers, summary, runs: all }, null, 2)}\n`);
  log(`runs written to ${file}`);
}

function ratio(value: number, base: number | undefined): string {
  return base === undefined || base === 0 ? '?' : `${round(value / base, 2)}×`;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}
