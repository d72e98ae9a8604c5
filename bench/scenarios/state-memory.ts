/**
 * Memory of the dedup state store alone, per tracked user, filled the way the worker fills it: constructed with
 * the configured user ids (as src/pipeline/worker-parts.ts does, so that it keys its map with the config's own
 * strings), then
 * - `poll`: presences parsed from a Graph response body (parsePresenceResponse), stateOf, commit, as
 *   src/pipeline/presence-pipeline.ts does after Kafka acknowledged a batch;
 * - `restore`: state records decoded as the worker's restore does: key string from the record's bytes,
 *   codec.parseKey, codec.decode, commit.
 * The config's id strings exist before the baseline (the worker holds them for its shards anyway), so the figure
 * is what the store adds. The store keeps numbers in typed arrays, outside the V8 heap: the figure is heap plus
 * array buffers. The simulator that provides the presences runs in this process but is started before the
 * baseline, and every input (response body, parsed presences, encoded record) is garbage by the time memory is
 * read, as in the worker.
 */
import { parsePresenceResponse } from '../../src/graph/index.js';
import { startGraphSimulator } from '../../src/simulator/index.js';
import { createStateCodec, PresenceStateStore, stateOf } from '../../src/state/index.js';
import { settledMemory } from '../lib/proc.js';
import { SHARD } from '../lib/records.js';
import {
  numberParam,
  progress,
  round,
  stringParam,
  type FigureRow,
  type Scenario,
  type ScenarioContext,
} from '../lib/scenario.js';

const TARGET_BYTES = 300;

export const stateMemory: Scenario = async (context: ScenarioContext) => {
  const userCount = numberParam(context, 'users', 100_000);
  const path = stringParam(context, 'path', 'poll') === 'restore' ? 'restore' : 'poll';
  const simulator = await startGraphSimulator({ userCount, autoChurn: false, tls: false });
  const codec = createStateCodec();
  const observedAt = Date.now();
  // Flat strings decoded from bytes, as the config loader makes them from a user-id file: the simulator builds
  // its ids by concatenation, and flattening those later (when the store hashes them) would free memory mid-measure.
  const configIds = simulator.userIds().map((id) => Buffer.from(id, 'latin1').toString('latin1'));
  const before = await settledMemory();
  const store = new PresenceStateStore(configIds);
  const started = performance.now();
  for (let start = 0; start < userCount; start += 650) {
    const page = [];
    for (let index = start; index < Math.min(userCount, start + 650); index++) page.push(simulator.getPresence(index));
    for (const presence of parsePresenceResponse(JSON.stringify({ value: page }))) {
      if (path === 'poll') {
        store.commit(presence.id, stateOf(presence, observedAt));
        continue;
      }
      const value = codec.encode(stateOf(presence, observedAt));
      // kafkajs hands the key over as bytes; the worker turns them into a string and splits it.
      const key = codec.parseKey(Buffer.from(codec.key(SHARD, presence.id), 'utf8').toString('utf8'));
      if (key !== undefined) store.commit(key.userId, codec.decode(value));
    }
  }
  const fillMs = performance.now() - started;
  const after = await settledMemory();
  const heapPerUser = round((after.heapUsedBytes - before.heapUsedBytes) / store.size, 1);
  const arrayBuffersPerUser = round((after.arrayBuffersBytes - before.arrayBuffersBytes) / store.size, 1);
  const totalPerUser = round(heapPerUser + arrayBuffersPerUser, 1);
  const rssPerUser = round((after.rssBytes - before.rssBytes) / store.size, 1);
  progress(
    `${path}: ${store.size} users, heap ${heapPerUser} + array buffers ${arrayBuffersPerUser} B/user, RSS ${rssPerUser} B/user`,
  );
  await simulator.close();
  const label = userCount.toLocaleString('en-US');
  const rows: FigureRow[] = [
    {
      section: 'memory',
      figure: `${label} users: PresenceStateStore filled by ${path === 'poll' ? 'polling' : 'state restore'}, heap + typed arrays`,
      value: totalPerUser,
      unit: 'B/user',
      target: `< ${TARGET_BYTES} B`,
      met: totalPerUser < TARGET_BYTES,
      note: `heap ${heapPerUser} + array buffers ${arrayBuffersPerUser} B/user; RSS ${rssPerUser} B/user; filled in ${round(fillMs)} ms`,
    },
  ];
  // Read after the measurement, so the ids count as held (by the config, in the worker) until then.
  if (configIds.length !== userCount)
    throw new Error(`the simulator listed ${configIds.length} ids for ${userCount} users`);
  return {
    rows,
    details: {
      userCount,
      path,
      users: store.size,
      before,
      after,
      heapPerUser,
      arrayBuffersPerUser,
      totalPerUser,
      rssPerUser,
      fillMs: round(fillMs),
    },
  };
};
