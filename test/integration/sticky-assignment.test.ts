import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaCluster } from '../../src/kafka/index.js';
import { startHarness, type Harness } from '../support/connector-harness.js';
import { createTopic, kafkaBrokers, testKafka, uniqueTopic } from '../support/kafka.js';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { changesOf, everyShardOnce, ownedBy, until, type OwnershipChange } from './worker-shards.js';

const SHARDS = ['s1', 's2', 's3', 's4', 's5', 's6'];
const USERS_PER_SHARD = 20;
const SESSION_TIMEOUT_MS = 6_000;

/** Every shard the workers gained or lost, flattened. */
function moved(changes: readonly OwnershipChange[], side: 'gained' | 'lost'): string[] {
  return changes.flatMap((change) => change[side]).sort();
}

/** The log position of every worker now, so that what they log after an event can be told apart. */
function marks(workers: readonly WorkerProcess[]): Map<WorkerProcess, number> {
  return new Map(workers.map((worker) => [worker, worker.logs.length]));
}

/**
 * A member leaves (`signal`); the survivors must take exactly the leaver's shards over and keep their own: no
 * shard lost by a survivor, none gained that the leaver did not hold. Returns the takeover time.
 */
async function leaveAndCheck(
  leaver: WorkerProcess,
  survivors: readonly WorkerProcess[],
  signal: 'SIGKILL' | 'SIGTERM',
): Promise<number> {
  const leaverShards = ownedBy(leaver) ?? [];
  const before = new Map(survivors.map((worker) => [worker, ownedBy(worker) ?? []]));
  const from = marks(survivors);
  leaver.child.kill(signal);
  const takeoverMs = await until('the survivors own every shard', () => everyShardOnce(survivors, SHARDS), 60_000);
  console.log(
    `takeover after ${signal}: all shards owned again after ${takeoverMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`,
  );
  const changes = survivors.flatMap((worker) => changesOf(worker, from.get(worker)));
  expect(moved(changes, 'lost'), `survivors lost shards after ${signal}`).toEqual([]);
  expect(moved(changes, 'gained'), `survivors gained after ${signal}`).toEqual([...leaverShards].sort());
  for (const worker of survivors) expect(ownedBy(worker)).toEqual(expect.arrayContaining(before.get(worker) ?? []));
  return takeoverMs;
}

describe('sticky assignment: only the shards of the member that left or joined move', () => {
  let harness: Harness | undefined;
  afterAll(async () => {
    // worker-process.ts kills its children on exit, which vitest ending its worker skips: they would outlive the run.
    killWorkerProcesses();
    await harness?.dispose();
  });

  it('keeps the survivors’ shards on SIGKILL and SIGTERM, and gives a joining worker a fair share', async () => {
    harness = await startHarness({
      userCount: SHARDS.length * USERS_PER_SHARD,
      shards: (ids) =>
        SHARDS.map((name, index) => ({
          name,
          users: ids.slice(index * USERS_PER_SHARD, (index + 1) * USERS_PER_SHARD),
        })),
      settings: {
        assignment: { mode: 'dynamic', sessionTimeoutMs: SESSION_TIMEOUT_MS, heartbeatIntervalMs: 1_000 },
        polling: { intervalSeconds: 2, startJitterSeconds: 0 },
      },
    });
    const current = harness;
    const start = (): WorkerProcess => startWorkerProcess(current, { logLevel: 'info' });
    const [a, b, c] = [start(), start(), start()];
    await until('three workers own two shards each', () => [a, b, c].every((w) => ownedBy(w)?.length === 2), 90_000);
    expect(everyShardOnce([a, b, c], SHARDS)).toBe(true);

    // A crash: the dead worker's shards move after the session timeout, and only they.
    await leaveAndCheck(a, [b, c], 'SIGKILL');
    expect([b, c].map((worker) => ownedBy(worker)?.length)).toEqual([3, 3]);

    // A worker joins: it takes two shards, one from each, and nothing else moves.
    const before = new Map([b, c].map((worker) => [worker, ownedBy(worker) ?? []]));
    const from = marks([b, c]);
    const d = start();
    await until(
      'the new worker has its share',
      () =>
        ownedBy(d)?.length === 2 && [b, c].every((w) => ownedBy(w)?.length === 2) && everyShardOnce([b, c, d], SHARDS),
      60_000,
    );
    const changes = [b, c].flatMap((worker) => changesOf(worker, from.get(worker)));
    expect(moved(changes, 'gained'), 'old workers gained shards when one joined').toEqual([]);
    expect(moved(changes, 'lost')).toEqual([...(ownedBy(d) ?? [])].sort());
    for (const worker of [b, c]) expect(before.get(worker)).toEqual(expect.arrayContaining(ownedBy(worker) ?? []));
    expect(moved(changesOf(d), 'lost')).toEqual([]);

    // A graceful stop: the worker leaves the group at once, and again only its shards move.
    await leaveAndCheck(b, [c, d], 'SIGTERM');
    expect(await b.exited()).toBe(0);
    expect([c, d].map((worker) => ownedBy(worker)?.length)).toEqual([3, 3]);

    // The shards still deliver: a change of a user of every shard reaches the topic.
    current.simulator.changeUsers(SHARDS.map((_, index) => index * USERS_PER_SHARD + 3));
    await current.readUntilCaughtUp(60_000);
  }, 300_000);
});

describe('a rolling upgrade', () => {
  it('forms one group with a member of an earlier version (round robin), and turns sticky once it has left', async () => {
    const topic = uniqueTopic('sticky-upgrade');
    await createTopic(topic, { numPartitions: 4 });
    const groupId = `${topic}.workers`;
    const cluster = createKafkaCluster({
      brokers: kafkaBrokers(),
      clientId: groupId,
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      logger: pino({ level: 'silent' }),
    });
    let current: number[] | undefined;
    const membership = await cluster.joinGroup({
      groupId,
      topic,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      onRebalancing: () => undefined,
      onAssigned: ({ partitions }) => void (current = partitions),
    });
    // A worker of an earlier version: kafkajs's default assigners (round robin) and nothing else.
    const earlier = testKafka().consumer({
      groupId,
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 1_000,
    });
    let earlierShare: number[] | undefined;
    earlier.on(earlier.events.GROUP_JOIN, ({ payload }) => void (earlierShare = payload.memberAssignment[topic]));
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await until('the sticky member holds every partition', () => current?.length === 4, 60_000);
      const protocol = async (): Promise<string | undefined> =>
        (await admin.describeGroups([groupId])).groups[0]?.protocol;
      expect(await protocol()).toBe('presence-sticky-v1');

      await earlier.connect();
      await earlier.subscribe({ topics: [topic] });
      await earlier.run({ eachBatch: async () => undefined });
      await until(
        'both members hold two partitions',
        () => current?.length === 2 && earlierShare?.length === 2,
        60_000,
      );
      expect([...(current ?? []), ...(earlierShare ?? [])].sort()).toEqual([0, 1, 2, 3]);
      expect(await protocol()).toBe('RoundRobinAssigner');

      await earlier.disconnect();
      await until('the sticky member holds every partition again', () => current?.length === 4, 60_000);
      expect(await protocol()).toBe('presence-sticky-v1');
    } finally {
      await earlier.disconnect();
      await membership.stop();
      await admin.disconnect();
    }
  }, 120_000);
});
