/**
 * Sequence numbers that go backwards, end to end (simulator -> worker -> Kafka): a stale read that lasts a poll or
 * two stays dropped, and a user whose numbers restart lower for good is published again after the polls and the
 * age that tell the two apart, counted and logged once.
 *
 * The age (five minutes since the stored state) is reached without waiting: the first worker publishes the state,
 * stops, and a second worker restores it with `Date` set six minutes later (only `Date` is faked, and before the
 * second worker's Kafka and Graph clients exist, so every clock they read agrees).
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/observability/index.js';
import { createWorker, type Worker } from '../../src/pipeline/index.js';
import { SEQUENCE_RESET_AGE_MS, SEQUENCE_RESET_POLLS } from '../../src/state/index.js';
import { startHarness, type DecodedEvent, type Harness } from '../support/connector-harness.js';

let harness: Harness | undefined;
let restarted: Worker | undefined;

afterEach(async () => {
  await restarted?.stop();
  restarted = undefined;
  vi.useRealTimers();
  await harness?.dispose();
  harness = undefined;
});

function capturedLogger(lines: Array<Record<string, unknown>>) {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return createLogger({ level: 'info', destination });
}

/** The events not among `seen` (the topic has several partitions, so a later read may interleave them anew). */
const newerThan = (events: DecodedEvent[], seen: DecodedEvent[]) => {
  const known = new Set(seen.map((event) => event.eventId));
  return events.filter((event) => !known.has(event.eventId));
};

describe('sequence numbers that go backwards', () => {
  it('drops a stale read of a poll or two, and accepts numbers restarted lower for good once', async () => {
    const users = 20;
    harness = await startHarness({ userCount: users, settings: { polling: { intervalSeconds: 1 } } });
    const { simulator, worker } = harness;
    await worker.start();
    await harness.read({ count: users });
    // One change each, so the simulator has a previous state and number to serve as a stale read.
    simulator.changeUsers(Array.from({ length: users }, (_, index) => index));
    const published = await harness.readUntilCaughtUp();
    await worker.stop();

    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: Date.now() + SEQUENCE_RESET_AGE_MS + 60_000 });
    const logs: Array<Record<string, unknown>> = [];
    restarted = createWorker(harness.config, { logger: capturedLogger(logs), random: () => 0 });
    await restarted.start();
    await harness.waitForRequests(2);

    // A lagging replica: every user's previous state and number, for one or two polls (one request a poll).
    simulator.setFaults({ olderSequenceShare: 1 });
    await harness.waitForRequests(1);
    simulator.setFaults({ olderSequenceShare: 0 });
    await harness.waitForRequests(2);
    expect(newerThan(await harness.read({ idleMs: 1_500 }), published)).toEqual([]);
    const stale = await restarted.metrics.registry.getSingleMetricAsString('presence_dropped_total');
    expect(stale).toMatch(/reason="stale"} [1-9]/);

    // A service migration: one user's numbers restart far below, with a different presence.
    const migrated = simulator.userIdAt(7);
    const before = simulator.getPresence(migrated).sequenceNumber ?? '';
    simulator.resetSequenceNumbers([migrated]);
    simulator.setPresence(migrated, { availability: 'Busy', activity: 'InACall' });
    const after = simulator.getPresence(migrated).sequenceNumber ?? '';
    expect(after < before, `${after} sorts below ${before}`).toBe(true);
    await harness.waitForRequests(SEQUENCE_RESET_POLLS + 1);
    const reset = newerThan(await harness.read({ idleMs: 1_500 }), published);
    expect(reset).toHaveLength(1);
    expect(reset[0]).toMatchObject({
      userId: migrated,
      kind: 'CHANGE',
      availability: 'Busy',
      activity: 'InACall',
      sequenceNumber: after,
      previousSequenceNumber: before,
    });
    expect(await restarted.metrics.registry.getSingleMetricAsString('presence_sequence_resets_total')).toMatch(/ 1$/m);
    // pino's numeric levels: 40 is warn.
    const warnings = logs.filter((line) => line['userId'] === migrated && line['level'] === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ previousSequenceNumber: before, sequenceNumber: after });

    // Later numbers compare against the accepted one: the next change goes out on the next poll, not after three.
    simulator.setPresence(migrated, { availability: 'Available', activity: 'Available' });
    await harness.waitForRequests(2);
    const next = newerThan(await harness.read({ idleMs: 1_500 }), [...published, ...reset]);
    expect(next).toMatchObject([{ userId: migrated, kind: 'CHANGE', availability: 'Available' }]);
    expect(await restarted.metrics.registry.getSingleMetricAsString('presence_sequence_resets_total')).toMatch(/ 1$/m);
  });
});
