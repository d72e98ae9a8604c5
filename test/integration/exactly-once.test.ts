import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { DecodedEvent, Harness } from '../support/connector-harness.js';
import { harnessesDisposedAfterEach, startWorkerProcess } from '../support/worker-process.js';

const harnessFor = harnessesDisposedAfterEach();

/** The exactly-once property: per user, strictly increasing sequence numbers, each one served by Graph. */
function checkExactlyOnce(harness: Harness, events: DecodedEvent[]): Map<string, string[]> {
  const perUser = new Map<string, string[]>();
  for (const event of events)
    perUser.set(event.userId, [...(perUser.get(event.userId) ?? []), event.sequenceNumber ?? '']);
  for (const [userId, sequences] of perUser) {
    const served = new Set(harness.simulator.recording.servedFor(userId).map((presence) => presence.sequenceNumber));
    for (let i = 1; i < sequences.length; i++) {
      expect((sequences[i] ?? '') > (sequences[i - 1] ?? ''), `user ${userId}: ${sequences.join(' ')}`).toBe(true);
    }
    for (const sequence of sequences)
      expect(served.has(sequence), `user ${userId} published ${sequence} never served`).toBe(true);
  }
  return perUser;
}

describe('exactly-once delivery', () => {
  it('survives SIGKILL at random points of a cycle: no repeat, no invented change, and it catches up', async () => {
    const harness = await harnessFor({
      userCount: 1_300,
      settings: { graph: { concurrency: 2 }, polling: { intervalSeconds: 1 } },
    });
    const { simulator } = harness;
    const rounds = 8;
    let churning = true;
    const churn = (async () => {
      for (let step = 0; churning; step++) {
        simulator.changeUsers(Array.from({ length: 40 }, (_, index) => (step * 97 + index * 31) % 1_300));
        await sleep(300);
      }
    })();
    for (let round = 0; round < rounds; round++) {
      const worker = startWorkerProcess(harness);
      // Once this worker polls, kill it within about two cycles: in polling, in a transaction, or in the commit.
      await harness.waitForRequests(1, 60_000);
      await sleep(Math.random() * 2_000);
      worker.child.kill('SIGKILL');
      await worker.exited();
    }
    churning = false;
    await churn;
    // A last, clean run catches up with everything the simulator now shows.
    const last = startWorkerProcess(harness);
    const events = await harness.readUntilCaughtUp(60_000);
    last.child.kill('SIGTERM');
    expect(await last.exited()).toBe(0);

    const perUser = checkExactlyOnce(harness, events);
    expect(perUser.size).toBe(1_300);
    const snapshots = events.filter((event) => event.kind === 'SNAPSHOT');
    expect(new Set(snapshots.map((event) => event.userId)).size).toBe(snapshots.length);
    const changes = events.length - snapshots.length;
    expect(changes).toBeGreaterThan(100);
  }, 240_000);

  it('publishes no snapshot for known users after a clean restart, and continues from the restored state', async () => {
    const harness = await harnessFor({ userCount: 100 });
    const { simulator } = harness;
    const first = startWorkerProcess(harness);
    await harness.read({ count: 100 });
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);

    const second = startWorkerProcess(harness);
    await harness.waitForRequests(3, 30_000);
    simulator.changeUsers([42]);
    await harness.waitForRequests(2, 30_000);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);

    const events = await harness.read({ idleMs: 1_500 });
    expect(events).toHaveLength(101);
    const change = events.find((event) => event.kind === 'CHANGE');
    const snapshot = events.find((event) => event.kind === 'SNAPSHOT' && event.userId === simulator.userIdAt(42));
    expect(change).toMatchObject({
      userId: simulator.userIdAt(42),
      previousSequenceNumber: snapshot?.sequenceNumber,
      previousObservedAt: snapshot?.observedAt,
    });
  });

  it('fences a zombie: a second worker on the same shard takes over and the first stops it', async () => {
    const harness = await harnessFor({ userCount: 50 });
    const { simulator } = harness;
    const zombie = startWorkerProcess(harness);
    await harness.read({ count: 50 });
    const successor = await startHarnessTwin(harness);
    await successor.worker.start();
    simulator.changeUsers([1, 2, 3]);
    await harness.waitForRequests(6, 30_000);
    const events = await harness.read({ idleMs: 2_000 });
    checkExactlyOnce(harness, events);
    expect(
      events
        .filter((event) => event.kind === 'CHANGE')
        .map((event) => event.userId)
        .sort(),
    ).toEqual([1, 2, 3].map((index) => simulator.userIdAt(index)).sort());
    // The zombie's next transaction was fenced: it stopped polling the shard and said why.
    const fenced = zombie.logs
      // The stop line carries the code; its stack is at debug.
      .filter((line) => line['code'] === 'SINK_FENCED' && line['level'] === 50)
      .map((line) => line['msg']);
    expect(fenced).toContainEqual(expect.stringMatching(/took over shard "all".*polling of this shard stopped/));
    zombie.child.kill('SIGTERM');
    await zombie.exited();
    await successor.worker.stop();
  });

  it('delivers at-least-once where asked: state follows the events and a restart resumes from it', async () => {
    const harness = await harnessFor({ userCount: 40, settings: { kafka: { delivery: 'at-least-once' } } });
    const { simulator, worker } = harness;
    await worker.start();
    await harness.read({ count: 40 });
    simulator.changeUsers([5]);
    await harness.waitForRequests(2);
    await worker.stop();
    const restarted = await startHarnessTwin(harness);
    await restarted.worker.start();
    await harness.waitForRequests(3);
    await restarted.worker.stop();
    const events = await harness.read({ idleMs: 1_500 });
    expect(events).toHaveLength(41);
    expect(events.filter((event) => event.kind === 'SNAPSHOT')).toHaveLength(40);
  });
});

/** A second in-process worker on the same simulator, topic and connector name. */
async function startHarnessTwin(harness: Harness): Promise<{ worker: Harness['worker'] }> {
  const { createWorker } = await import('../../src/pipeline/index.js');
  const { createLogger } = await import('../../src/observability/index.js');
  const { Writable } = await import('node:stream');
  const worker = createWorker(harness.config, {
    logger: createLogger({
      level: 'warn',
      destination: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
    }),
    random: () => 0,
  });
  return { worker };
}
