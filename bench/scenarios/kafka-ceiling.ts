/**
 * The Kafka ceiling: what kafkajs itself achieves on this broker with the connector's records, keys, batching and
 * delivery settings, with nothing else in the process. The connector's end-to-end figure is judged against it.
 *
 * Modes:
 * - `txn-650`: one transaction per 650-event batch plus its 650 state records (what the issue asks for);
 * - `txn-grouped`: batches queued behind a running transaction committed together up to 20,000 records, which is
 *   what TransactionalPublisher.takeGroup does once Graph delivers faster than one transaction commits;
 * - `idempotent`: the at-least-once path (IdempotentPublisher): events, then state, per 650-event batch, with as
 *   many batches in flight as the connector's default Graph concurrency (4).
 */
// First: decides whether kafkajs is patched in this process, before anything below loads kafkajs.
import { kafkajsPatches } from '../lib/kafkajs-patch-param.js';
import { randomBytes } from 'node:crypto';
import type { Kafka, Message, Producer } from 'kafkajs';
import { statePartitionOf } from '../../src/sink/index.js';
import {
  benchKafka,
  compressionOf,
  createConnectorTopics,
  idempotentProducer,
  transactionalProducer,
} from '../lib/kafka.js';
import { processCpuSeconds, selfCpuSeconds } from '../lib/proc.js';
import { changeRecords, recordBytes, SHARD, simulatedPresences, type BenchRecord } from '../lib/records.js';
import {
  median,
  numberParam,
  progress,
  round,
  stringParam,
  type FigureRow,
  type Scenario,
  type ScenarioContext,
} from '../lib/scenario.js';

/** What the rows call this producer: kafkajs as shipped, or with src/kafka's replacements (kafkajs-patches.ts). */
const RAW = kafkajsPatches === 'installed' ? 'raw kafkajs, patched,' : 'raw kafkajs';
const BATCH = 650;
const STATE_PARTITIONS = 12;
const GROUP_LIMIT_RECORDS = 20_000;
const CONCURRENCY = 4;

type Mode = 'txn-650' | 'txn-grouped' | 'idempotent';

export interface CeilingRun {
  mode: Mode;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  selfCpuSeconds: number;
  brokerCpuSeconds: number | null;
  eventsPerCpuSecond: number;
  transactions: number;
}

interface Target {
  events: string;
  state: string;
  statePartition: number;
  compression: 'gzip' | 'none';
}

export const kafkaCeiling: Scenario = async (context: ScenarioContext) => {
  const eventCount = numberParam(context, 'events', 100_000);
  const repetitions = numberParam(context, 'repetitions', 3);
  const compression = stringParam(context, 'compression', 'gzip') === 'none' ? 'none' : 'gzip';
  progress(`building ${eventCount} events and state records with the connector's codecs`);
  const { events, state } = changeRecords(await simulatedPresences(eventCount), Date.now());
  const sizes = events.map(recordBytes);
  const stateSizes = state.map(recordBytes);
  const kafka = benchKafka(context.brokers, 'bench-raw');
  const suffix = randomBytes(4).toString('hex');
  const target: Target = {
    events: `bench-raw-${suffix}`,
    state: `bench-raw-${suffix}.state`,
    statePartition: statePartitionOf(SHARD, STATE_PARTITIONS),
    compression,
  };
  await createConnectorTopics(kafka, {
    events: target.events,
    eventsPartitions: 6,
    state: target.state,
    statePartitions: STATE_PARTITIONS,
  });

  const runs: CeilingRun[] = [];
  const modes: Mode[] = ['txn-650', 'txn-grouped', 'idempotent'];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    // Interleaved, so that a burst of load from other users of the machine hits every mode alike.
    for (const mode of modes) {
      const run = await measure(kafka, mode, target, events, state, context.brokerPid);
      progress(
        `${mode} #${repetition + 1}: ${Math.round(run.eventsPerSecond)} events/s, ${Math.round(run.eventsPerCpuSecond)} events per CPU-s`,
      );
      runs.push(run);
    }
  }

  const summary = Object.fromEntries(
    modes.map((mode) => {
      const mine = runs.filter((run) => run.mode === mode);
      return [
        mode,
        {
          eventsPerSecond: median(mine.map((run) => run.eventsPerSecond)),
          eventsPerCpuSecond: median(mine.map((run) => run.eventsPerCpuSecond)),
        },
      ];
    }),
  ) as Record<Mode, { eventsPerSecond: number; eventsPerCpuSecond: number }>;
  const recordSize = {
    eventValueBytesMean: round(mean(sizes.map((size) => size.value)), 1),
    eventValueBytesMin: sizes.reduce((min, size) => Math.min(min, size.value), Number.POSITIVE_INFINITY),
    eventValueBytesMax: sizes.reduce((max, size) => Math.max(max, size.value), 0),
    eventKeyBytes: sizes[0]?.key ?? 0,
    eventHeaderBytesMean: round(mean(sizes.map((size) => size.headers)), 1),
    stateValueBytesMean: round(mean(stateSizes.map((size) => size.value)), 1),
    stateKeyBytes: stateSizes[0]?.key ?? 0,
  };
  const rows: FigureRow[] = [
    {
      section: 'kafka',
      figure: 'event record size (value / key / headers)',
      value: recordSize.eventValueBytesMean,
      unit: 'B',
      note: `value ${recordSize.eventValueBytesMin}-${recordSize.eventValueBytesMax} B, key ${recordSize.eventKeyBytes} B, headers ${recordSize.eventHeaderBytesMean} B; state record ${recordSize.stateValueBytesMean} B + key ${recordSize.stateKeyBytes} B`,
    },
    ...modes.flatMap((mode): FigureRow[] => [
      {
        section: 'kafka',
        figure: `${RAW} ${mode}: events/s`,
        value: round(summary[mode].eventsPerSecond),
        unit: 'events/s',
        note: `${compression}, median of ${repetitions}, ${eventCount} events`,
      },
      {
        section: 'kafka',
        figure: `${RAW} ${mode}: events per CPU-s`,
        value: round(summary[mode].eventsPerCpuSecond),
        unit: 'events/CPU-s',
        note: 'bench process only (broker JVM apart)',
      },
    ]),
  ];
  return { rows, details: { eventCount, repetitions, compression, kafkajsPatches, recordSize, runs, summary } };
};

async function measure(
  kafka: Kafka,
  mode: Mode,
  target: Target,
  events: readonly BenchRecord[],
  state: readonly BenchRecord[],
  brokerPid: number | undefined,
): Promise<CeilingRun> {
  const producer =
    mode === 'idempotent'
      ? await idempotentProducer(kafka)
      : await transactionalProducer(kafka, `bench-raw-${randomBytes(4).toString('hex')}`);
  try {
    if (mode !== 'idempotent') {
      // InitProducerId happens at the first transaction; like the connector's open(), do it before the clock runs.
      const warmUp = await producer.transaction();
      await warmUp.abort();
    }
    const cpuBefore = selfCpuSeconds();
    const brokerBefore = processCpuSeconds(brokerPid);
    const started = performance.now();
    const transactions = await SENDERS[mode](producer, target, events, state);
    const seconds = (performance.now() - started) / 1000;
    const cpu = selfCpuSeconds() - cpuBefore;
    const brokerAfter = processCpuSeconds(brokerPid);
    return {
      mode,
      events: events.length,
      seconds: round(seconds, 3),
      eventsPerSecond: events.length / seconds,
      selfCpuSeconds: round(cpu, 3),
      brokerCpuSeconds: brokerBefore === null || brokerAfter === null ? null : round(brokerAfter - brokerBefore, 2),
      eventsPerCpuSecond: events.length / cpu,
      transactions,
    };
  } finally {
    await producer.disconnect();
  }
}

type Sender = (
  producer: Producer,
  target: Target,
  events: readonly BenchRecord[],
  state: readonly BenchRecord[],
) => Promise<number>;

const SENDERS: Record<Mode, Sender> = {
  'txn-650': async (producer, target, events, state) => {
    let transactions = 0;
    for (let start = 0; start < events.length; start += BATCH) {
      await commitTransaction(producer, target, events.slice(start, start + BATCH), state.slice(start, start + BATCH));
      transactions++;
    }
    return transactions;
  },
  'txn-grouped': async (producer, target, events, state) => {
    let transactions = 0;
    const batchesPerGroup = Math.max(1, Math.floor(GROUP_LIMIT_RECORDS / (2 * BATCH)));
    for (let start = 0; start < events.length; start += BATCH * batchesPerGroup) {
      const end = start + BATCH * batchesPerGroup;
      await commitTransaction(producer, target, events.slice(start, end), state.slice(start, end));
      transactions++;
    }
    return transactions;
  },
  idempotent: async (producer, target, events, state) => {
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let start = next; start < events.length; start = next) {
        next += BATCH;
        await producer.send({
          topic: target.events,
          acks: -1,
          compression: compressionOf(target.compression),
          messages: events.slice(start, start + BATCH).map(toMessage),
        });
        await producer.send({
          topic: target.state,
          acks: -1,
          compression: compressionOf(target.compression),
          messages: state
            .slice(start, start + BATCH)
            .map((record) => ({ ...toMessage(record), partition: target.statePartition })),
        });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    return 0;
  },
};

/** The same request TransactionalPublisher.commitUntilDone makes: one sendBatch over both topics, then commit. */
async function commitTransaction(
  producer: Producer,
  target: Target,
  events: readonly BenchRecord[],
  state: readonly BenchRecord[],
): Promise<void> {
  const transaction = await producer.transaction();
  try {
    await transaction.sendBatch({
      acks: -1,
      compression: compressionOf(target.compression),
      topicMessages: [
        { topic: target.events, messages: events.map(toMessage) },
        {
          topic: target.state,
          messages: state.map((record) => ({ ...toMessage(record), partition: target.statePartition })),
        },
      ],
    });
  } catch (error) {
    await transaction.abort();
    throw error;
  }
  await transaction.commit();
}

function toMessage(record: BenchRecord): Message {
  return { key: record.key, value: record.value, ...(record.headers === undefined ? {} : { headers: record.headers }) };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}
