/**
 * Experiment behind a proposal in BENCHMARKS.md: where a state restore spends its time. Reads a state topic
 * written by the prefill-state scenario through StateTopicReader.readState (the worker's restore read), per
 * repetition: records dropped on arrival (kafkajs alone), a restore that decodes each record with avsc into an
 * object of its own (as before), one that decodes into a reused object (StateCodec.decodeInto), and the worker's
 * own StateRestore. With --profile, one more decodeInto restore under the CPU profiler.
 *
 *   npx tsx bench/experiments/restore-breakdown.ts --brokers 127.0.0.1:39092 --state-topic X.presence-state --users 1000000
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/observability/index.js';
import { userIds } from '../../src/simulator/index.js';
import { createKafkaCluster } from '../../src/kafka/index.js';
import { StateTopicReader, type StoredStateRecord } from '../../src/shard-ownership/index.js';
// Not part of the folder's public surface: the experiment measures the worker's restore step itself.
import { StateRestore } from '../../src/shard-ownership/state-restore.js';
import { createStateCodec, PresenceStateStore, type UserPresenceState } from '../../src/state/index.js';
import { selfCpuSeconds } from '../lib/proc.js';
import { CpuProfiler } from '../lib/profile.js';
import { SHARD } from '../lib/records.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    'state-topic': { type: 'string' },
    users: { type: 'string', default: '1000000' },
    repetitions: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    // No Kafka: the records as the read hands them over, built in memory, through StateRestore only.
    offline: { type: 'boolean', default: false },
  },
});
if (values.offline === true) {
  await offline(Number(values.users), Number(values.repetitions));
  process.exit(0);
}
if (values.brokers === undefined || values['state-topic'] === undefined)
  throw new Error('--brokers and --state-topic (or --offline) are required');
const logger = createLogger({ level: 'warn' });
// The state topic exists already (written by prefill-state); the reader opens its connections per read.
const reader = new StateTopicReader({
  kafka: createKafkaCluster({
    brokers: values.brokers.split(','),
    clientId: 'bench-restore',
    connectionTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    logger,
  }),
  clientId: 'bench-restore',
  stateTopic: values['state-topic'],
  statePartitions: 12,
});
const members = new Map([[SHARD, new Set(userIds(Number(values.users)))]]);
const codec = createStateCodec();

async function timed(label: string, onRecord: (record: StoredStateRecord) => void, profile = false): Promise<void> {
  const profiler = profile ? new CpuProfiler() : undefined;
  profiler?.startNow();
  let records = 0;
  const cpu = selfCpuSeconds();
  const started = performance.now();
  await reader.readState([SHARD], (record) => {
    records++;
    onRecord(record);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = selfCpuSeconds() - cpu;
  process.stdout.write(
    `${label}: ${records} records in ${seconds.toFixed(1)} s (${Math.round(records / seconds)}/s), ${cpuSeconds.toFixed(1)} CPU-s\n`,
  );
  if (profiler !== undefined) {
    const summary = await profiler.stop(join(ROOT, 'bench', 'results', 'profile-restore.cpuprofile'), ROOT);
    for (const entry of summary.top.slice(0, 12)) {
      process.stdout.write(`  ${entry.selfShare.toFixed(1).padStart(5)} %  ${entry.functionName}  ${entry.location}\n`);
    }
    for (const area of summary.byArea.slice(0, 6)) process.stdout.write(`  area ${area.area}: ${area.selfShare} %\n`);
  }
}

const restoreWith =
  (store: PresenceStateStore, decode: (value: Buffer) => UserPresenceState) => (record: StoredStateRecord) => {
    const key = codec.parseKey(record.key);
    if (key === undefined || members.get(key.shard)?.has(key.userId) !== true) return;
    if (record.value === null) store.delete(key.userId);
    else store.commit(key.userId, decode(record.value));
  };
const reused: UserPresenceState = {
  sequenceNumber: null,
  availability: '',
  activity: '',
  observedAt: 0,
  fieldsHash: 0,
};
// Interleaved, so that load from other users of the machine hits every variant alike.
for (let repetition = 0; repetition < Number(values.repetitions); repetition++) {
  await timed('kafkajs only (records dropped)', () => undefined);
  await timed(
    'restore, avsc decode (an object per record)',
    restoreWith(new PresenceStateStore(), (value) => codec.decode(value)),
  );
  await timed(
    'restore, decodeInto (one reused object)',
    restoreWith(new PresenceStateStore(), (value) => codec.decodeInto(value, reused)),
  );
  const store = new PresenceStateStore();
  const worker = new StateRestore({
    taken: [SHARD],
    shards: [{ name: SHARD, userIds: [...(members.get(SHARD) ?? [])] }],
    store,
    codec,
    statePartitionOf: () => 0,
  });
  await timed("restore, StateRestore.add (the worker's)", (record) => worker.add(record));
}
if (values.profile === true) {
  await timed(
    'restore, decodeInto, profiled',
    restoreWith(new PresenceStateStore(), (value) => codec.decodeInto(value, reused)),
    true,
  );
}

/**
 * StateRestore.add over N in-memory records (key strings and Avro values as the read hands them over): the
 * restore's own CPU, without kafkajs and without the machine's load on the broker. `avsc decode` runs the same
 * class with a codec whose decodeInto builds an object per record, as the restore did before.
 */
async function offline(users: number, repetitions: number): Promise<void> {
  const ids = userIds(users);
  const stateCodec = createStateCodec();
  const observedAt = Date.now();
  const records: StoredStateRecord[] = ids.map((userId, index) => ({
    key: stateCodec.key(SHARD, userId),
    value: stateCodec.encode({
      sequenceNumber: `C${String(1_000_000 + index).padStart(14, '0')}`,
      availability: index % 3 === 0 ? 'Available' : 'Busy',
      activity: index % 3 === 0 ? 'Available' : 'InACall',
      observedAt,
      fieldsHash: index * 7919,
    }),
  }));
  const perRecord = { ...stateCodec, decodeInto: (value: Buffer) => stateCodec.decode(value) };
  const shards = [{ name: SHARD, userIds: ids }];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const [label, variant] of [
      ['avsc decode (an object per record)', perRecord],
      ['decodeInto (one reused object)', stateCodec],
    ] as const) {
      const store = new PresenceStateStore(ids);
      const restore = new StateRestore({ taken: [SHARD], shards, store, codec: variant, statePartitionOf: () => 0 });
      const cpu = selfCpuSeconds();
      const started = performance.now();
      for (const record of records) restore.add(record);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `StateRestore.add, ${label}: ${restore.restored} records in ${seconds.toFixed(2)} s, ${(selfCpuSeconds() - cpu).toFixed(2)} CPU-s\n`,
      );
    }
  }
}
