/**
 * Discovery of a whole tenant (`{type: 'tenant', includeGuests: false}`, 16 discovered shards) at N users: the first
 * full round, the memory the watched directory keeps and needs while reading, an incremental round after 1 % of
 * the users changed, and a follower loading the records the discoverer wrote.
 *
 * The code measured is src/discovery's runDiscoveryRound, WatchedDirectory and DirectoryRecordCodec over the real
 * GraphDirectoryClient (undici, TLS, MSAL tokens) against the simulator's /users/delta. The simulator runs in its
 * own child process (this file, forked with DIRECTORY_CHILD), so its CPU and heap stay out of the figures. `write`
 * is an in-memory sink that counts records and bytes and acknowledges at once: Kafka is not measured here.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTokenProvider } from '../../src/auth/index.js';
import { GraphDirectoryClient } from '../../src/directory/index.js';
import {
  DirectoryRecordCodec,
  runDiscoveryRound,
  WatchedDirectory,
  WatchRule,
  type DirectoryRecord,
} from '../../src/discovery/index.js';
import { RequestBudget } from '../../src/graph/index.js';
import { createHttpDispatcher } from '../../src/http/index.js';
import type { DirectoryCounters, GraphSimulatorOptions } from '../../src/simulator/index.js';
import { processCpuSeconds, selfCpuSeconds, settledMemory, type MemorySample } from '../lib/proc.js';
import { numberParam, progress, round, type FigureRow, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import type { SimulatorInfo } from '../lib/simulator-protocol.js';

const SELF = fileURLToPath(import.meta.url);
const DIRECTORY_CHILD = '--directory-simulator';
/** src/pipeline/discovery-wiring.ts DIRECTORY_CHUNK: records per write (a transaction in the worker). */
const CHUNK = 1_000;
const SHARDS = 16;
/** PresenceStateStore alone at 1,000,000 users (BENCHMARKS.md, memory). */
const STATE_STORE_BYTES = 93;
/** The worker's default directory budget (discovery.requestBudget): 100 requests per 10 s. */
const DEFAULT_BUDGET = { requests: 100, seconds: 10 };

/** Users to disable, delete (recycle bin) and create from the reserve; all 0 to read the counters only. */
interface ChildRequest {
  id: number;
  disable: number;
  remove: number;
  add: number;
}
interface ChildReply {
  id: number;
  counters: DirectoryCounters;
  /** Enabled members now in the directory: what the tenant source must watch. */
  watchable: number;
}

/** The simulator child: starts the simulator, applies the directory changes asked over IPC, ends on disconnect. */
async function runDirectoryChild(options: GraphSimulatorOptions): Promise<void> {
  const { startGraphSimulator } = await import('../../src/simulator/index.js');
  const simulator = await startGraphSimulator(options);
  const { directory } = simulator;
  const existing = options.directory?.initialUsers ?? simulator.userCount;
  process.on('message', ({ id, disable, remove, add }: ChildRequest) => {
    // Distinct random users of the initial population: a partial Fisher-Yates shuffle.
    const order = Int32Array.from({ length: disable + remove === 0 ? 0 : existing }, (_, index) => index);
    for (let i = 0; i < disable + remove; i++) {
      const j = i + Math.floor(Math.random() * (existing - i));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    directory.disableUsers(Array.from(order.subarray(0, disable)));
    directory.deleteUsers(Array.from(order.subarray(disable, disable + remove)));
    directory.addUsers(add);
    const watchable = directory.userIds({ enabledOnly: true, membersOnly: true }).length;
    process.send?.({ id, counters: simulator.recording.directoryCounters(), watchable } satisfies ChildReply);
  });
  process.on('disconnect', () => void simulator.close().finally(() => process.exit(0)));
  const { graphUrl, authorityUrl, tenantId, clientId, clientSecret, caCertificatePem, userCount } = simulator;
  const info: SimulatorInfo = { graphUrl, authorityUrl, tenantId, clientId, clientSecret, caCertificatePem, userCount };
  process.send?.(info);
}

if (process.argv[1] === SELF && process.argv[2] === DIRECTORY_CHILD) {
  await runDirectoryChild(JSON.parse(process.argv[3] ?? '{}') as GraphSimulatorOptions);
}

interface DirectorySimulator {
  info: SimulatorInfo;
  pid: number;
  ask(change?: Partial<Omit<ChildRequest, 'id'>>): Promise<ChildReply>;
  close(): Promise<void>;
}

async function startDirectorySimulator(options: GraphSimulatorOptions): Promise<DirectorySimulator> {
  const child = fork(SELF, [DIRECTORY_CHILD, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting = new Map<number, (reply: ChildReply) => void>();
  let nextId = 1;
  const info = await new Promise<SimulatorInfo>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator child exited with ${code} before it was ready`)));
    child.on('message', (message: SimulatorInfo | ChildReply) => {
      if ('graphUrl' in message) resolve(message);
      else waiting.get(message.id)?.(message);
    });
  });
  return {
    info,
    pid: child.pid ?? 0,
    ask: (change = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ disable: 0, remove: 0, add: 0, ...change, id } satisfies ChildRequest);
      }),
    async close() {
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The worker's wiring (src/pipeline/discovery-wiring.ts), with a directory budget that never binds. */
function directoryClient(info: SimulatorInfo): GraphDirectoryClient {
  const dispatcher = createHttpDispatcher({ connectionsPerOrigin: 8, extraCaPem: info.caCertificatePem, env: {} });
  const { tenantId, clientId, clientSecret, graphUrl } = info;
  const [authorityUrl, scope] = [new URL(info.authorityUrl).origin, `${graphUrl}/.default`];
  const credential = { kind: 'secret', clientSecret } as const;
  const auth = { tenantId, clientId, authorityUrl, scope, credential, dispatcher, trustAuthorityHost: true };
  const tokens = createTokenProvider(auth);
  const budget = new RequestBudget({ maxRequests: 100_000, windowMs: 10_000 });
  const backoff = { initialMs: 100, maxMs: 5_000, maxAttempts: 5 };
  const http = { tokens, dispatcher, budget, requestTimeoutMs: 30_000, backoff };
  return new GraphDirectoryClient({ graphUrl, apiVersion: 'v1.0', ...http });
}

const perUser = (bytes: number, users: number): number => round(bytes / users, 1);
const heapAndArrays = (sample: MemorySample): number => sample.heapUsedBytes + sample.arrayBuffersBytes;
const pagesOf = (counters: DirectoryCounters): number => counters.byRoute['users-delta'].byStatus[200] ?? 0;

export const discovery: Scenario = async (context: ScenarioContext) => {
  const users = numberParam(context, 'users', 100_000);
  const pageSize = numberParam(context, 'pageSize', 100);
  // 0: Graph's documented 8,000 resource units per 10 s for a tenant this size (a users/delta page costs 1).
  const resourceUnits = numberParam(context, 'resourceUnits', 0);
  // 1 % changes: 0.4 % disabled, 0.3 % deleted (recycle bin), 0.3 % created from the reserve.
  const disable = Math.round(users * 0.004);
  const remove = Math.round(users * 0.003);
  const add = Math.round(users * 0.003);
  const budget = resourceUnits > 0 ? { budget: { resourceUnits } } : {};
  const simulator = await startDirectorySimulator({
    userCount: users + add,
    autoChurn: false,
    directory: { initialUsers: users, groupCount: 0, pageSize, ...budget },
  });
  const reader = directoryClient(simulator.info);
  // A token, a TLS connection and warm code before the memory baseline: one page of a round, abandoned.
  const warmUp = reader.usersDelta()[Symbol.asyncIterator]();
  await warmUp.next();
  await warmUp.return?.();
  const sink = { records: 0, bytes: 0 };
  const write = (records: DirectoryRecord[]): Promise<void> => {
    sink.records += records.length;
    for (const record of records) sink.bytes += Buffer.byteLength(record.key) + (record.value?.length ?? 0);
    return Promise.resolve();
  };
  const rule = new WatchRule([{ type: 'tenant', includeGuests: false }]);
  const codec = new DirectoryRecordCodec(rule);
  const shardNames = Array.from({ length: SHARDS }, (_, index) => `discovered-${String(index).padStart(2, '0')}`);
  const explicit = new Set<string>();
  const newDirectory = (): WatchedDirectory =>
    new WatchedDirectory({ rule, shardNames, isExplicit: (userId) => explicit.has(userId) });

  const measure = async (directory: WatchedDirectory, link: string | undefined) => {
    const { counters: before } = await simulator.ask();
    const sinkBefore = { ...sink };
    const [cpu, simulatorCpu, started] = [selfCpuSeconds(), processCpuSeconds(simulator.pid), performance.now()];
    const report = await runDiscoveryRound({ directory, rule, codec, reader, write, chunkSize: CHUNK }, link);
    const ms = performance.now() - started;
    const cpuSeconds = selfCpuSeconds() - cpu;
    const simulatorAfter = processCpuSeconds(simulator.pid);
    const { counters } = await simulator.ask();
    return {
      report,
      ms: round(ms),
      cpuSeconds: round(cpuSeconds, 2),
      simulatorCpuSeconds:
        simulatorCpu === null || simulatorAfter === null ? null : round(simulatorAfter - simulatorCpu, 2),
      requests: counters.requests - before.requests,
      pages: pagesOf(counters) - pagesOf(before),
      throttled: counters.throttled - before.throttled,
      fullRounds: counters.usersDelta.full - before.usersDelta.full,
      records: sink.records - sinkBefore.records,
      bytes: sink.bytes - sinkBefore.bytes,
    };
  };

  // 1 and 2: the first full round, memory sampled every 100 ms.
  const baseline = await settledMemory();
  const peak = { heap: heapAndArrays(baseline), rss: baseline.rssBytes };
  const sample = (): void => {
    const usage = process.memoryUsage();
    peak.heap = Math.max(peak.heap, usage.heapUsed + usage.arrayBuffers);
    peak.rss = Math.max(peak.rss, usage.rss);
  };
  const sampler = setInterval(sample, 100);
  const directory = newDirectory();
  const full = await measure(directory, undefined);
  sample();
  clearInterval(sampler);
  const [known, watched] = [directory.size, directory.watchedCount];
  const afterRound = await settledMemory();
  // What a worker polling every discovered shard holds beside: each shard's member array (DiscoveredShards).
  for (const shard of shardNames) directory.membersOf(shard);
  const withSnapshots = await settledMemory();
  const { watchable } = await simulator.ask();
  if (full.report.tenantRound !== 'full' || watched !== watchable || known !== users) {
    throw new Error(`full round: watched ${watched} of ${watchable} enabled members, ${known} of ${users} known`);
  }
  progress(`full round: ${full.ms} ms, ${full.cpuSeconds} CPU-s, ${full.requests} requests, ${watched} watched`);

  // 3: an incremental round after 1 % of the users changed.
  const changed = await simulator.ask({ disable, remove, add });
  const incremental = await measure(directory, full.report.deltaLink);
  if (incremental.fullRounds !== 0 || directory.watchedCount !== changed.watchable) {
    throw new Error(`incremental round: watched ${directory.watchedCount} of ${changed.watchable} enabled members`);
  }
  progress(`incremental round: ${incremental.ms} ms, ${incremental.report.entriesRead} entries read`);

  // 4: a follower loads what the compacted directory topic holds now: a record per remembered user, the delta
  // link. Keys as bytes, turned into strings in the timed loop as the worker's directory log does with kafkajs's.
  const stored: Array<{ key: Buffer; value: Buffer | null }> = [];
  for (const userId of directory.userIds()) {
    stored.push({ key: Buffer.from(userId), value: codec.user(userId, directory.entry(userId)).value });
  }
  const link = codec.deltaLink(incremental.report.deltaLink);
  stored.push({ key: Buffer.from(link.key), value: link.value });
  const followerBefore = await settledMemory();
  const follower = newDirectory();
  const loadStarted = performance.now();
  stored.forEach((record, offset) => {
    const decoded = codec.decode({ key: record.key.toString('utf8'), value: record.value }, String(offset));
    if (decoded.kind === 'user') follower.set(decoded.userId, decoded.entry);
  });
  const loadMs = round(performance.now() - loadStarted);
  const followerAfter = await settledMemory();
  if (follower.watchedCount !== directory.watchedCount) throw new Error('the follower watches another set');
  await simulator.close();

  const memory = {
    perUser: perUser(heapAndArrays(afterRound) - heapAndArrays(baseline), known),
    heapPerUser: perUser(afterRound.heapUsedBytes - baseline.heapUsedBytes, known),
    rssPerUser: perUser(afterRound.rssBytes - baseline.rssBytes, known),
    withSnapshotsPerUser: perUser(heapAndArrays(withSnapshots) - heapAndArrays(baseline), known),
    peakPerUser: perUser(peak.heap - heapAndArrays(baseline), known),
    peakRssPerUser: perUser(peak.rss - baseline.rssBytes, known),
    followerPerUser: perUser(heapAndArrays(followerAfter) - heapAndArrays(followerBefore), follower.size),
  };
  const budgetFloorSeconds = round((full.requests * DEFAULT_BUDGET.seconds) / DEFAULT_BUDGET.requests);
  const label = users.toLocaleString('en-US');
  const row = (figure: string, value: number, unit: string, note: string): FigureRow => {
    return { section: 'discovery', figure: `${label} users: ${figure}`, value, unit, note };
  };
  const [i, m] = [incremental, memory];
  const notes = {
    full: `${full.cpuSeconds} connector CPU-s (simulator ${full.simulatorCpuSeconds ?? '?'}); ${full.requests} requests, ${full.pages} pages of ${pageSize}, ${full.throttled} throttled; ${known} users known, ${watched} watched`,
    rate: `${round((full.cpuSeconds * 1e6) / full.report.entriesRead, 1)} connector CPU-µs per entry`,
    budget: `${full.requests} requests at ${DEFAULT_BUDGET.requests} per ${DEFAULT_BUDGET.seconds} s (the worker's default discovery.requestBudget); measured above with a budget that never binds`,
    topic: `${full.records} records (key + JSON value), ${round(full.bytes / 2 ** 20, 1)} MiB; in-memory sink, no Kafka`,
    memory: `heap ${m.heapPerUser}; RSS ${m.rssPerUser}; with the ${SHARDS} shards' membersOf arrays ${m.withSnapshotsPerUser}; PresenceStateStore ${STATE_STORE_BYTES}`,
    peak: `RSS peak ${m.peakRssPerUser} B/user above the start; sampled every 100 ms, garbage included`,
    incremental: `${disable} disabled, ${remove} deleted, ${add} created; ${i.requests} requests, ${i.report.entriesRead} entries read, ${i.report.changed} changed; ${i.cpuSeconds} CPU-s`,
    follower: `${stored.length} records, ${round(stored.length / (loadMs / 1000))} records/s; follower directory ${m.followerPerUser} B/user`,
  };
  const rows: FigureRow[] = [
    row('first full round (tenant, users/delta)', full.ms, 'ms', notes.full),
    row(
      'full round, entries read per second',
      round(full.report.entriesRead / (full.ms / 1000)),
      'entries/s',
      notes.rate,
    ),
    row('full round at the default directory budget (floor)', budgetFloorSeconds, 's', notes.budget),
    row('directory topic written by the full round', perUser(full.bytes, full.records), 'B/record', notes.topic),
    row('WatchedDirectory after the full round, heap + array buffers', m.perUser, 'B/user', notes.memory),
    row('peak during the full round, heap + array buffers', m.peakPerUser, 'B/user', notes.peak),
    row('incremental round after 1 % of users changed', i.ms, 'ms', notes.incremental),
    row('follower load (decode + WatchedDirectory.set)', loadMs, 'ms', notes.follower),
  ];
  const samples = { baseline, afterRound, withSnapshots, peak, followerBefore, followerAfter };
  const measured = { full, incremental, memory, samples, loadMs, budgetFloorSeconds };
  return { rows, details: { users, pageSize, change: { disable, remove, add }, known, watched, ...measured } };
};
