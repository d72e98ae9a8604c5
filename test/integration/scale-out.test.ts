import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/connector-harness.js';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const SHARDS = ['s1', 's2', 's3', 's4', 's5', 's6'];
const USERS_PER_SHARD = 100;
const BUDGET_WINDOW_MS = 2_000;

/** The shards a worker process last said it polls ("polling these shards" log line). */
function ownedBy(worker: WorkerProcess): string[] | undefined {
  const line = [...worker.logs].reverse().find((entry) => entry['msg'] === 'polling these shards');
  return line === undefined ? undefined : (line['owned'] as string[]);
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

/** How many times any worker has said which shards it polls: it changes with every assignment. */
function assignmentsLogged(workers: WorkerProcess[]): number {
  return workers.reduce(
    (sum, worker) => sum + worker.logs.filter((entry) => entry['msg'] === 'polling these shards').length,
    0,
  );
}

/**
 * Waits until no worker's assignment has changed for `quietMs`. The budget is shared out per worker, so right
 * after a rebalance the worker that gave shards away may already have spent, in the current window, the share
 * that their new owner now uses: steady state starts one budget window after the last assignment.
 */
async function assignmentsQuietFor(workers: WorkerProcess[], quietMs: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let seen = assignmentsLogged(workers);
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    if (Date.now() - started > timeoutMs) throw new Error(`assignments still changing after ${timeoutMs} ms`);
    await sleep(100);
    const now = assignmentsLogged(workers);
    if (now !== seen) [seen, quietSince] = [now, Date.now()];
  }
}

function partitionOfShards(workers: WorkerProcess[]): { owners: Map<string, number>; overlap: string[] } {
  const owners = new Map<string, number>();
  const overlap: string[] = [];
  workers.forEach((worker, index) => {
    for (const shard of ownedBy(worker) ?? []) {
      if (owners.has(shard)) overlap.push(shard);
      owners.set(shard, index);
    }
  });
  return { owners, overlap };
}

describe('scale-out: workers share the shards through a Kafka consumer group', () => {
  let harness: Harness;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await harness?.dispose();
  });

  it("gives every shard to exactly one worker, moves a killed worker's shards, spreads again, and publishes each change once", async () => {
    // Budget binds: 6 shards want 6 requests a second; the app may make 6 per 2 s. Split three ways it holds.
    harness = await startHarness({
      userCount: SHARDS.length * USERS_PER_SHARD,
      shards: (ids) =>
        SHARDS.map((name, index) => ({
          name,
          users: ids.slice(index * USERS_PER_SHARD, (index + 1) * USERS_PER_SHARD),
        })),
      simulator: { budget: { requests: 6, windowSeconds: BUDGET_WINDOW_MS / 1000 } },
      settings: {
        assignment: { mode: 'dynamic', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
        graph: { requestBudget: { maxRequests: 6, windowSeconds: BUDGET_WINDOW_MS / 1000 } },
        polling: { intervalSeconds: 1, startJitterSeconds: 0 },
      },
    });
    const { simulator } = harness;
    for (let i = 0; i < 3; i++) workers.push(startWorkerProcess(harness, { logLevel: 'info' }));
    const everyShardOnce = (live: WorkerProcess[]) => () => {
      const { owners, overlap } = partitionOfShards(live);
      return (
        overlap.length === 0 &&
        owners.size === SHARDS.length &&
        live.every((worker) => (ownedBy(worker)?.length ?? 0) > 0)
      );
    };
    await until('three workers share six shards', everyShardOnce(workers), 60_000);
    expect(workers.map((worker) => ownedBy(worker)?.length)).toEqual([2, 2, 2]);
    await harness.read({ count: SHARDS.length * USERS_PER_SHARD, timeoutMs: 60_000 });

    // Steady state: together the workers stay inside the app's budget.
    await assignmentsQuietFor(workers, BUDGET_WINDOW_MS + 500, 30_000);
    simulator.resetRecording();
    await harness.waitForRequests(12, 30_000);
    expect(simulator.recording.counters().throttled, 'requests throttled in steady state').toBe(0);

    simulator.changeUsers([5, 150, 320, 480]);
    const [victim, ...survivors] = workers;
    if (victim === undefined) throw new Error('no worker');
    const victimShards = ownedBy(victim) ?? [];
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the survivors own all six shards', everyShardOnce(survivors), 30_000);
    const takeoverMs = Date.now() - killedAt;
    // The takeover is real when the survivors poll the victim's shards: their users' changes arrive.
    simulator.changeUsers(victimShards.flatMap((shard) => [SHARDS.indexOf(shard) * USERS_PER_SHARD + 7]));
    console.log(`takeover after SIGKILL: all shards owned again after ${takeoverMs} ms (session timeout 6000 ms)`);
    expect(takeoverMs).toBeLessThan(6_000 + 10_000);

    const revived = startWorkerProcess(harness, { logLevel: 'info' });
    workers.push(revived);
    const live = [...survivors, revived];
    await until(
      'the revived worker gets its share back',
      () => everyShardOnce(live)() && live.every((worker) => ownedBy(worker)?.length === 2),
      60_000,
    );

    simulator.changeUsers([1, 101, 201, 301, 401, 501]);
    const events = await harness.readUntilCaughtUp(60_000);

    // Exactly once across the kill and both rebalances: no user's sequence number appears twice.
    const perUser = new Map<string, string[]>();
    for (const event of events)
      perUser.set(event.userId, [...(perUser.get(event.userId) ?? []), event.sequenceNumber ?? '']);
    for (const [userId, sequences] of perUser) {
      expect(new Set(sequences).size, `user ${userId}: ${sequences.join(' ')}`).toBe(sequences.length);
      expect([...sequences].sort(), `user ${userId} out of order`).toEqual(sequences);
    }
    expect(perUser.size).toBe(SHARDS.length * USERS_PER_SHARD);
  }, 240_000);
});

describe('a changed shard list', () => {
  it('is logged on the next start: added, removed and changed shards', async () => {
    const connectorName = `layout-${Date.now().toString(36)}`;
    const dynamic = { assignment: { mode: 'dynamic', sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 } };
    const first = await startHarness({
      userCount: 30,
      connectorName,
      shards: (ids) => [
        { name: 'a', users: ids.slice(0, 10) },
        { name: 'b', users: ids.slice(10, 20) },
      ],
      settings: dynamic,
    });
    await first.worker.start();
    await first.read({ count: 20 });
    await first.dispose();

    const second = await startHarness({
      userCount: 30,
      connectorName,
      shards: (ids) => [
        { name: 'a', users: ids.slice(0, 12) },
        { name: 'c', users: ids.slice(20, 30) },
      ],
      settings: dynamic,
    });
    try {
      await second.worker.start();
      const change = second.logs.find((line) => String(line['msg']).startsWith('the shard list changed'));
      expect(change).toMatchObject({
        added: ['c'],
        removed: ['b'],
        changed: [{ name: 'a', usersBefore: 10, usersNow: 12 }],
      });
    } finally {
      await second.dispose();
    }
  });
});

describe('static assignment from the command line', () => {
  it('polls exactly the shards given with --shards, and names a shard that does not exist', async () => {
    const harness = await startHarness({
      userCount: 40,
      shards: (ids) => [
        { name: 'left', users: ids.slice(0, 20) },
        { name: 'right', users: ids.slice(20) },
      ],
      settings: { assignment: { mode: 'dynamic' } },
    });
    try {
      const wrong = startWorkerProcess(harness, { args: ['--shards', 'right,middle'], stderr: 'pipe' });
      let stderr = '';
      wrong.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      expect(await wrong.exited()).toBe(1);
      expect(stderr).toMatch(/assignment\.shards\[1\].*no shard named "middle"/);

      const worker = startWorkerProcess(harness, { args: ['--shards', 'right'] });
      const events = await harness.read({ count: 20 });
      await harness.waitForRequests(2);
      worker.child.kill('SIGTERM');
      expect(await worker.exited()).toBe(0);
      expect(new Set(events.map((event) => event.shard))).toEqual(new Set(['right']));
      expect(harness.simulator.recording.servedUserIds().sort()).toEqual(harness.simulator.userIds().slice(20).sort());
    } finally {
      killWorkerProcesses();
      await harness.dispose();
    }
  });
});
