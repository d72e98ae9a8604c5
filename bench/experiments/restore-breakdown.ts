/**
 * Experiment behind a proposal in BENCHMARKS.md: where a state restore spends its time. Reads a state topic
 * written by the prefill-state scenario three times through StateTopicReader.readState (the worker's restore read): records dropped on arrival
 * (kafkajs alone), then the worker's restore (parseKey, membership check, decode, commit), then the latter
 * under the CPU profiler.
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
import { createStateCodec, PresenceStateStore } from '../../src/state/index.js';
import { selfCpuSeconds } from '../lib/proc.js';
import { CpuProfiler } from '../lib/profile.js';
import { SHARD } from '../lib/records.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    'state-topic': { type: 'string' },
    users: { type: 'string', default: '1000000' },
  },
});
if (values.brokers === undefined || values['state-topic'] === undefined)
  throw new Error('--brokers and --state-topic are required');
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

await timed('kafkajs only (records dropped)', () => undefined);
const restore = (store: PresenceStateStore) => (record: StoredStateRecord) => {
  const key = codec.parseKey(record.key);
  if (key === undefined || members.get(key.shard)?.has(key.userId) !== true) return;
  if (record.value === null) store.delete(key.userId);
  else store.commit(key.userId, codec.decode(record.value));
};
await timed('worker restore (parseKey, membership, decode, commit)', restore(new PresenceStateStore()));
await timed('worker restore, profiled', restore(new PresenceStateStore()), true);
