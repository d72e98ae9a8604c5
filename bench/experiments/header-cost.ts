/**
 * What each kafka.headers mode costs (BENCHMARKS.md, "Record headers"): the connector's CHANGE events with the
 * headers of each mode (and of 0.1.0, `legacy`) sent by a raw kafkajs transactional producer with the connector's
 * settings, 650-event batches plus their state records grouped into transactions as TransactionalPublisher does
 * under load. The modes run interleaved within one process, their order rotated every repetition, so that load
 * from other users of the machine hits them alike: compare them as ratios, not across runs.
 *
 * Per mode: building the headers (inside the timed loop, as the encoder does per event), events per CPU-s of the
 * whole send, header bytes per event (names + values, and as kafkajs encodes them), and, when the experiment
 * started its own broker, the bytes per event the broker stored (gzip batches, transaction markers included).
 *
 *   npx tsx bench/experiments/header-cost.ts [--brokers host:port] [--events 39000] [--repetitions 3]
 *       [--modes cloudevents,minimal,none,legacy] [--batches 15] [--compression gzip|none]
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalBroker } from '../../scripts/kafka/index.js';
import { createPresenceEventCodec } from '../../src/events/index.js';
import { statePartitionOf } from '../../src/sink/index.js';
import { benchKafka, compressionOf, createConnectorTopics, transactionalProducer } from '../lib/kafka.js';
import { selfCpuSeconds } from '../lib/proc.js';
import {
  benchHeaderBuilder,
  changeEvents,
  changeRecords,
  isBenchHeaderMode,
  SHARD,
  simulatedPresences,
  type BenchHeaderMode,
} from '../lib/records.js';
import { median, round } from '../lib/scenario.js';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    events: { type: 'string', default: '39000' },
    repetitions: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'cloudevents,minimal,none,legacy' },
    batches: { type: 'string', default: '15' },
    compression: { type: 'string', default: 'gzip' },
  },
});
const modes = (values.modes ?? '').split(',').filter((mode) => mode !== '');
const unknown = modes.filter((mode) => !isBenchHeaderMode(mode));
if (unknown.length > 0) throw new Error(`unknown --modes ${unknown.join(', ')}`);
const headerModes = modes.filter(isBenchHeaderMode);
const count = Number(values.events);
const repetitions = Number(values.repetitions);
const transactionSize = 650 * Number(values.batches);
const compression = values.compression === 'none' ? 'none' : 'gzip';
const STATE_PARTITIONS = 12;

const broker = values.brokers === undefined ? await startLocalBroker() : undefined;
const brokers = values.brokers?.split(',') ?? broker?.brokers ?? [];
const observedAt = Date.now();
const presences = await simulatedPresences(count);
const events = changeEvents(presences, observedAt);
const codec = createPresenceEventCodec();
// The values and state records are the same for every mode: encoded once, outside the timed loop.
const encodedValues = events.map((event) => codec.encode(event));
const { state } = changeRecords(presences, observedAt, 'none');
const kafka = benchKafka(brokers, 'bench-headers');
const suffix = randomBytes(4).toString('hex');
const statePartition = statePartitionOf(SHARD, STATE_PARTITIONS);
const topics = new Map<BenchHeaderMode, string>();
for (const mode of headerModes) {
  const topic = `headers-${mode}-${suffix}`;
  topics.set(mode, topic);
  // Waiting for the leaders of a topic created right after another can see the metadata lag behind: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      await createConnectorTopics(kafka, {
        events: topic,
        eventsPartitions: 6,
        state: `${topic}.state`,
        statePartitions: STATE_PARTITIONS,
      });
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

interface Run {
  mode: BenchHeaderMode;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
}

async function send(mode: BenchHeaderMode): Promise<Run> {
  const topic = topics.get(mode) ?? '';
  const producer = await transactionalProducer(kafka, `headers-${randomBytes(4).toString('hex')}`);
  const warm = await producer.transaction();
  await warm.abort();
  const headersOf = benchHeaderBuilder(mode);
  const cpu = selfCpuSeconds();
  const started = performance.now();
  for (let start = 0; start < count; start += transactionSize) {
    const messages = [];
    for (let index = start; index < Math.min(count, start + transactionSize); index++) {
      const event = events[index];
      const value = encodedValues[index];
      if (event === undefined || value === undefined) continue;
      const headers = headersOf(event);
      messages.push(headers === undefined ? { key: event.userId, value } : { key: event.userId, value, headers });
    }
    const transaction = await producer.transaction();
    await transaction.sendBatch({
      acks: -1,
      compression: compressionOf(compression),
      topicMessages: [
        { topic, messages },
        {
          topic: `${topic}.state`,
          messages: state
            .slice(start, start + transactionSize)
            .map((record) => ({ ...record, partition: statePartition })),
        },
      ],
    });
    await transaction.commit();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = selfCpuSeconds() - cpu;
  await producer.disconnect();
  return { mode, eventsPerSecond: count / seconds, eventsPerCpuSecond: count / cpuSeconds };
}

/** Names and values (the figure BENCHMARKS.md has used since 0.1.0), and as the record encodes them. */
function headerBytes(mode: BenchHeaderMode): { text: number; wire: number; count: number } {
  const headersOf = benchHeaderBuilder(mode);
  let text = 0;
  let wire = 0;
  let headerCount = 0;
  for (const event of events) {
    const headers = headersOf(event) ?? {};
    for (const [name, value] of Object.entries(headers)) {
      const nameBytes = Buffer.byteLength(name);
      const valueBytes = Buffer.byteLength(value);
      text += nameBytes + valueBytes;
      // Kafka record headers: zig-zag varint length before the name and before the value.
      wire += varintBytes(nameBytes) + nameBytes + varintBytes(valueBytes) + valueBytes;
      headerCount++;
    }
  }
  return { text: text / events.length, wire: wire / events.length, count: headerCount / events.length };
}

function varintBytes(length: number): number {
  let zigzag = length * 2;
  let bytes = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

/** CPU nanoseconds to build one event's headers, alone: median of 5 passes over all events after 2 unmeasured. */
function buildNanos(mode: BenchHeaderMode): number {
  const passes: number[] = [];
  for (let pass = 0; pass < 7; pass++) {
    const headersOf = benchHeaderBuilder(mode);
    // Kept, as the encoder keeps them in its records, so that the optimiser cannot drop the objects unbuilt.
    const built: Array<Record<string, string> | undefined> = new Array<Record<string, string> | undefined>(
      events.length,
    );
    const cpu = process.cpuUsage();
    for (let index = 0; index < events.length; index++) {
      const event = events[index];
      if (event !== undefined) built[index] = headersOf(event);
    }
    const used = process.cpuUsage(cpu);
    if (pass >= 2) passes.push(((used.user + used.system) * 1000) / events.length);
  }
  return median(passes);
}

/** Bytes the broker holds in the partition logs of a topic; null when the broker is not ours. */
function storedBytes(topic: string): number | null {
  if (broker === undefined) return null;
  const logDir = join(broker.dataDir, 'kraft');
  let bytes = 0;
  for (const entry of readdirSync(logDir)) {
    if (!new RegExp(`^${topic.replaceAll('.', '\\.')}-\\d+$`).test(entry)) continue;
    for (const file of readdirSync(join(logDir, entry)))
      if (file.endsWith('.log')) bytes += statSync(join(logDir, entry, file)).size;
  }
  return bytes;
}

process.stdout.write(
  `${count} CHANGE events, ${compression}, transactions of ${transactionSize} events + ${transactionSize} state records, ${repetitions} repetitions, modes ${headerModes.join(', ')}\n`,
);
const runs: Run[] = [];
const sends = new Map<BenchHeaderMode, number>();
async function counted(mode: BenchHeaderMode): Promise<Run> {
  sends.set(mode, (sends.get(mode) ?? 0) + 1);
  return send(mode);
}
try {
  // Not counted: the first send warms up kafkajs's encoding paths and the broker's new topics.
  const first = headerModes[0];
  if (first !== undefined) await counted(first);
  for (let repetition = 0; repetition < repetitions; repetition++) {
    // Rotated, so that no mode always runs first (JIT warm-up) or last.
    const order = headerModes.map((_, index) => headerModes[(index + repetition) % headerModes.length]);
    for (const mode of order) {
      if (mode === undefined) continue;
      const run = await counted(mode);
      runs.push(run);
      process.stdout.write(
        `  #${repetition + 1} ${mode.padEnd(11)} ${Math.round(run.eventsPerSecond)} events/s, ${Math.round(run.eventsPerCpuSecond)} events per CPU-s\n`,
      );
    }
  }
  const perMode = headerModes.map((mode) => {
    const mine = runs.filter((run) => run.mode === mode);
    const stored = storedBytes(topics.get(mode) ?? '');
    return {
      mode,
      eventsPerCpuSecond: median(mine.map((run) => run.eventsPerCpuSecond)),
      eventsPerSecond: median(mine.map((run) => run.eventsPerSecond)),
      bytes: headerBytes(mode),
      buildNs: buildNanos(mode),
      storedPerEvent: stored === null ? null : stored / (count * (sends.get(mode) ?? 1)),
    };
  });
  const none = perMode.find((entry) => entry.mode === 'none');
  process.stdout.write(
    '\n| headers | headers per event | header bytes per event (names + values / encoded) | stored bytes per event | build ns per event | events per CPU-s (median) | vs none | events/s (median) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n',
  );
  for (const entry of perMode) {
    const ratio = none === undefined ? '' : `${round((entry.eventsPerCpuSecond / none.eventsPerCpuSecond) * 100, 1)} %`;
    process.stdout.write(
      `| ${entry.mode} | ${round(entry.bytes.count, 1)} | ${round(entry.bytes.text, 1)} / ${round(entry.bytes.wire, 1)} | ${entry.storedPerEvent === null ? '-' : round(entry.storedPerEvent, 1)} | ${round(entry.buildNs)} | ${Math.round(entry.eventsPerCpuSecond)} | ${ratio} | ${Math.round(entry.eventsPerSecond)} |\n`,
    );
  }
} finally {
  await broker?.dispose();
}
