import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalBroker, type LocalBroker } from '../../scripts/kafka/index.js';
import { startHarness, type DecodedEvent, type Harness } from '../support/connector-harness.js';

/**
 * Kafka crashes in the middle of a run while presence keeps changing. Nothing may be lost and, in exactly-once
 * mode (the default), nothing repeated: every presence the simulator served in a 200 reaches the topic once Kafka
 * is back, because the dedup state only advances with a committed transaction.
 */
describe('Kafka stopped and restarted mid-run', () => {
  let broker: LocalBroker;
  let harness: Harness;

  beforeAll(async () => {
    broker = await startLocalBroker();
  });
  afterAll(async () => {
    await harness?.dispose();
    await broker?.dispose();
  });

  it('publishes every served change after the broker returns, with no state advanced past Kafka', async () => {
    harness = await startHarness({
      userCount: 300,
      brokers: broker.brokers,
      settings: { kafka: { requestTimeoutMs: 3_000, connectionTimeoutMs: 1_000 } },
    });
    const { simulator, worker } = harness;
    await worker.start();
    await harness.read({ count: 300 });
    // The first cycle ends with its watermark, in a transaction of its own: let it commit, so the crash falls
    // into the second cycle (whose batch then cannot publish) and not into the first cycle's watermark.
    const watermarked = Date.now() + 20_000;
    while ((await worker.metrics.watermarkTimestamp.get()).values.length === 0) {
      if (Date.now() > watermarked) throw new Error('the first cycle wrote no watermark within 20 s');
      await sleep(50);
    }

    // A crash, not a clean stop: whatever transaction is open dies with the broker.
    await broker.kill();
    simulator.changeUsers([1, 2, 3, 4, 5]);
    await harness.waitForRequests(1, 20_000);
    // The batch holding users 1-5 is stuck publishing; the next cycle must not start and must not drop them.
    const deadline = Date.now() + 20_000;
    while (worker.health().ready && Date.now() < deadline) await sleep(100);
    expect(worker.health().reasons.join()).toMatch(/Kafka sends failing/);
    const requestsWhileDown = simulator.recording.counters().presenceRequests;
    await sleep(2_500);
    expect(simulator.recording.counters().presenceRequests, 'no new cycle while Kafka is down').toBe(requestsWhileDown);
    await broker.start();
    simulator.changeUsers([3, 250]);

    // The worker's retry backoff may have grown during the outage: wait until it caught up, not for a quiet topic.
    const events = await harness.readUntilCaughtUp(90_000);
    const changed = [1, 2, 3, 4, 5, 250].map((index) => simulator.userIdAt(index));
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
    const unchanged = events.filter((event) => !changed.includes(event.userId));
    expect(unchanged).toHaveLength(294);
  });
});
