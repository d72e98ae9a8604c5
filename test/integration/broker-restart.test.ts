import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../scripts/kafka/index.js';
import { startHarness, type DecodedEvent, type Harness } from '../support/connector-harness.js';

/**
 * Kafka crashes in the middle of a run while presence keeps changing. Nothing may be lost and, in exactly-once
 * mode (the default), nothing repeated: every presence the simulator served in a 200 reaches the topic once Kafka
 * is back, because the dedup state only advances with a committed transaction.
 */
describe('Kafka stopped and restarted mid-run', () => {
  let broker: LocalBroker;
  let harness: Harness | undefined;

  beforeAll(async () => {
    broker = await startLocalBroker();
  });
  afterEach(async () => {
    await harness?.dispose();
    harness = undefined;
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  async function started(watermarks: boolean): Promise<Harness> {
    harness = await startHarness({
      userCount: 300,
      brokers: broker.brokers,
      settings: { kafka: { requestTimeoutMs: 3_000, connectionTimeoutMs: 1_000, watermarks: { enabled: watermarks } } },
    });
    await harness.worker.start();
    await harness.read({ count: 300 });
    return harness;
  }

  /** Until readiness says Kafka sends fail; then no new cycle may start while Kafka stays down. */
  async function expectStuckWhileDown({ simulator, worker }: Harness): Promise<void> {
    const deadline = Date.now() + 20_000;
    const failing = () => /Kafka sends failing/.test(worker.health().reasons.join());
    while (!failing() && Date.now() < deadline) await sleep(100);
    expect(worker.health().ready).toBe(false);
    expect(worker.health().reasons.join()).toMatch(/Kafka sends failing/);
    const requestsWhileDown = simulator.recording.counters().presenceRequests;
    await sleep(2_500);
    expect(simulator.recording.counters().presenceRequests, 'no new cycle while Kafka is down').toBe(requestsWhileDown);
  }

  /** Every served presence of the changed users published once; every other user exactly once. */
  async function expectNothingLostOrRepeated({ simulator }: Harness, events: DecodedEvent[], changedIndexes: number[]) {
    const changed = changedIndexes.map((index) => simulator.userIdAt(index));
    for (const userId of changed) {
      const served = new Set(simulator.recording.servedFor(userId).map((presence) => presence.sequenceNumber));
      const history = events
        .filter((event: DecodedEvent) => event.userId === userId)
        .map((event) => event.sequenceNumber);
      const published = new Set(history);
      expect(published, `user ${userId}`).toEqual(served);
      expect(history, `user ${userId} published a change twice`).toHaveLength(published.size);
      expect(published.has(simulator.getPresence(userId).sequenceNumber ?? null)).toBe(true);
    }
    // Every user is on the topic; users that never changed appear exactly once (at-least-once never repeats a
    // batch that Kafka acknowledged).
    expect(new Set(events.map((event) => event.userId)).size).toBe(300);
    expect(events.filter((event) => !changed.includes(event.userId))).toHaveLength(300 - changed.length);
  }

  it('publishes every served change after the broker returns, with no state advanced past Kafka', async () => {
    // Without watermarks a quiet cycle publishes nothing, so the crash is certain to catch a batch of changes
    // in flight: the case under test. (With them, see the next test.)
    const run = await started(false);
    const { simulator } = run;

    // A crash, not a clean stop: whatever transaction is open dies with the broker.
    await broker.kill();
    simulator.changeUsers([1, 2, 3, 4, 5]);
    await run.waitForRequests(1, 20_000);
    // The batch holding users 1-5 is stuck publishing; the next cycle must not start and must not drop them.
    await expectStuckWhileDown(run);
    await broker.start();
    simulator.changeUsers([3, 250]);

    // The worker's retry backoff may have grown during the outage: wait until it caught up, not for a quiet topic.
    const events = await run.readUntilCaughtUp(90_000);
    await expectNothingLostOrRepeated(run, events, [1, 2, 3, 4, 5, 250]);
  });

  it('with watermarks, holds the cycle on the watermark it could not publish and resumes both after', async () => {
    const run = await started(true);
    const { simulator, worker } = run;
    // Every cycle now ends with a watermark: whatever the crash catches (a watermark or a batch) holds the cycle.
    await broker.kill();
    const killedAt = Date.now();
    simulator.changeUsers([7, 8]);
    await expectStuckWhileDown(run);
    await broker.start();
    simulator.changeUsers([8, 260]);

    const events = await run.readUntilCaughtUp(90_000);
    await expectNothingLostOrRepeated(run, events, [7, 8, 260]);
    // The watermark moves again, past the outage: a cycle that began after the crash completed.
    const deadline = Date.now() + 30_000;
    const confirmedAfterCrash = async () =>
      (await worker.metrics.watermarkTimestamp.get()).values.some((sample) => sample.value * 1000 > killedAt);
    while (!(await confirmedAfterCrash())) {
      if (Date.now() > deadline) throw new Error('no watermark after the broker returned within 30 s');
      await sleep(100);
    }
  });
});
