import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { readMessages, headerText } from '../support/kafka.js';
import {
  decode,
  presenceRequests,
  startHarness,
  type DecodedEvent,
  type Harness,
} from '../support/connector-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const byUser = (events: DecodedEvent[]) => {
  const map = new Map<string, DecodedEvent[]>();
  for (const event of events) map.set(event.userId, [...(map.get(event.userId) ?? []), event]);
  return map;
};

describe('connector end to end (simulator -> MSAL/undici -> dedup -> Avro -> Kafka)', () => {
  it('publishes one snapshot per user in batches of at most 650 ids, then only real changes', async () => {
    harness = await startHarness({
      userCount: 1_400,
      shards: (ids) => [
        { name: 'north', users: ids.slice(0, 1_301) },
        { name: 'south', users: ids.slice(1_301) },
      ],
    });
    const { simulator, worker } = harness;
    await worker.start();

    const snapshots = await harness.read({ count: 1_400 });
    expect(new Set(snapshots.map((event) => event.userId)).size).toBe(1_400);
    expect(snapshots.every((event) => event.kind === 'SNAPSHOT' && event.previousSequenceNumber === null)).toBe(true);
    const sample = snapshots.find((event) => event.userId === simulator.userIdAt(7));
    const served = simulator.getPresence(simulator.userIdAt(7));
    expect(sample).toMatchObject({
      availability: served.availability,
      activity: served.activity,
      sequenceNumber: served.sequenceNumber,
      tenantId: simulator.tenantId,
      shard: 'north',
      connector: harness.config.connectorName,
    });
    const sizes = simulator.recording
      .requests()
      .filter((request) => request.route === 'presence')
      .slice(0, 4)
      .map((request) => request.idsCount);
    expect(sizes.sort((a, b) => b - a)).toEqual([650, 650, 99, 1]);

    // Further cycles with no change publish nothing.
    await harness.waitForRequests(6);
    simulator.changeUsers([3, 700, 1_350]);
    await harness.waitForRequests(6);
    const all = await harness.read({ idleMs: 1_500 });
    expect(all).toHaveLength(1_403);
    const changes = all.filter((event) => event.kind === 'CHANGE');
    expect(changes.map((event) => event.userId).sort()).toEqual(
      [simulator.userIdAt(3), simulator.userIdAt(700), simulator.userIdAt(1_350)].sort(),
    );
    for (const change of changes) {
      const snapshot = snapshots.find((event) => event.userId === change.userId);
      expect(change.previousSequenceNumber).toBe(snapshot?.sequenceNumber);
      expect(change.previousAvailability).toBe(snapshot?.availability);
      expect(change.previousActivity).toBe(snapshot?.activity);
      expect(change.previousObservedAt).toBe(snapshot?.observedAt);
      expect((change.sequenceNumber ?? '') > (change.previousSequenceNumber ?? '')).toBe(true);
      expect(change.sequenceNumber).toBe(simulator.getPresence(change.userId).sequenceNumber);
    }
  });

  it('keys each event by user id and labels it with the CloudEvents headers and a unique event id', async () => {
    harness = await startHarness({ userCount: 20 });
    await harness.worker.start();
    const messages = await readMessages(harness.topic, { count: 20 });
    const eventIds = new Set<string>();
    for (const message of messages) {
      const event = decode(message);
      expect(message.key?.toString('utf8')).toBe(event.userId);
      // kafka.headers defaults to cloudevents: exactly these headers, each once (CloudEvents Kafka binding, binary mode).
      const names = Object.entries(message.headers).flatMap(([name, values]) => values.map(() => name));
      expect(names.sort()).toEqual(
        ['ce_id', 'ce_source', 'ce_specversion', 'ce_subject', 'ce_time', 'ce_type', 'content-type'].sort(),
      );
      expect(headerText(message, 'ce_specversion')).toBe('1.0');
      expect(headerText(message, 'ce_id')).toBe(event.eventId);
      expect(headerText(message, 'ce_source')).toBe(`/connectors/${harness.config.connectorName}`);
      expect(headerText(message, 'ce_type')).toBe('io.github.presenceconnector.presence.snapshot');
      expect(headerText(message, 'ce_time')).toBe(new Date(event.observedAt).toISOString());
      expect(headerText(message, 'ce_subject')).toBe(event.userId);
      expect(headerText(message, 'content-type')).toBe('application/avro');
      eventIds.add(event.eventId);
    }
    expect(eventIds.size).toBe(20);
  });

  it('drops repeated and out-of-order sequence numbers and counts them apart', async () => {
    harness = await startHarness({ userCount: 50 });
    const { simulator, worker } = harness;
    await worker.start();
    await harness.read({ count: 50 });
    // Each user changes twice, then is served its previous or repeated state: stale and duplicate presences.
    simulator.changeUsers(Array.from({ length: 50 }, (_, index) => index));
    await harness.waitForRequests(2);
    simulator.changeUsers(Array.from({ length: 50 }, (_, index) => index));
    simulator.setFaults({ olderSequenceShare: 0.5, repeatedSequenceShare: 0.5 });
    await harness.waitForRequests(4);
    simulator.setFaults({ olderSequenceShare: 0, repeatedSequenceShare: 0 });
    await harness.waitForRequests(2);
    const events = await harness.read({ idleMs: 1_500 });
    for (const [userId, history] of byUser(events)) {
      const sequences = history.map((event) => event.sequenceNumber ?? '');
      expect(new Set(sequences).size, `repeats for ${userId}`).toBe(sequences.length);
      expect([...sequences].sort(), `order for ${userId}`).toEqual(sequences);
      expect(sequences.at(-1)).toBe(simulator.getPresence(userId).sequenceNumber);
    }
    const metrics = await worker.metrics.registry.getSingleMetricAsString('presence_dropped_total');
    expect(metrics).toMatch(/reason="stale"} [1-9]/);
    expect(metrics).toMatch(/reason="duplicate"} [1-9]/);
  });

  it('compares fields when Graph sends no sequenceNumber', async () => {
    harness = await startHarness({ userCount: 30, simulator: { faults: { missingSequenceShare: 1 } } });
    const { simulator, worker } = harness;
    await worker.start();
    const snapshots = await harness.read({ count: 30 });
    expect(snapshots.every((event) => event.sequenceNumber === null)).toBe(true);
    await harness.waitForRequests(2);
    simulator.setPresence(simulator.userIdAt(4), { availability: 'Busy', activity: 'InACall' });
    await harness.waitForRequests(2);
    const events = await harness.read({ idleMs: 1_500 });
    expect(events).toHaveLength(31);
    expect(events.find((event) => event.kind === 'CHANGE')).toMatchObject({
      userId: simulator.userIdAt(4),
      kind: 'CHANGE',
      availability: 'Busy',
      activity: 'InACall',
    });
  });

  it('waits as long as Retry-After says, for every request of the tenant', async () => {
    // The simulator's budget is far below the worker's, so the worker is throttled and must obey Retry-After.
    harness = await startHarness({
      userCount: 650 * 6,
      simulator: { budget: { requests: 3, windowSeconds: 2 } },
      settings: { graph: { concurrency: 3, backoff: { initialMs: 100, maxMs: 1_000, maxAttempts: 10 } } },
    });
    const { worker } = harness;
    // Retry-After counts from when the client receives the answer (RFC 9110, 10.2.3), and the simulator shares this
    // process's event loop, so when a request reaches it says nothing about when the client sent it. The client's
    // own sends and reads are watched through undici's diagnostics channels instead.
    const traffic = watchPresenceTraffic();
    try {
      await worker.start();
      const events = await harness.read({ count: 650 * 6, timeoutMs: 45_000 });
      expect(new Set(events.map((event) => event.userId)).size).toBe(650 * 6);
    } finally {
      traffic.stop();
    }
    const throttled = traffic.answers.filter((answer) => answer.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const answer of throttled) {
      expect(answer.retryAfterMs).toBeGreaterThan(0);
      // Timers fire no earlier than asked, but the budget's clock counts whole milliseconds.
      const early = traffic.sends.filter(
        (sentAt) => sentAt > answer.at && sentAt < answer.at + answer.retryAfterMs - 2,
      );
      expect(early, `sends inside the Retry-After of the 429 read at ${answer.at.toFixed(1)} ms`).toEqual([]);
    }
    // And the client went on once each pause was over: the check above saw requests on both sides of a 429.
    const firstThrottledAt = Math.min(...throttled.map((answer) => answer.at));
    expect(traffic.sends.filter((sentAt) => sentAt > firstThrottledAt).length).toBeGreaterThan(0);
  });

  it('stays inside its own request budget: no 429 when both budgets are equal', async () => {
    harness = await startHarness({
      userCount: 650 * 4,
      simulator: { budget: { requests: 4, windowSeconds: 2 } },
      settings: { graph: { concurrency: 4, requestBudget: { maxRequests: 4, windowSeconds: 2 } } },
    });
    await harness.worker.start();
    await harness.read({ count: 650 * 4 });
    await harness.waitForRequests(8);
    expect(harness.simulator.recording.counters().throttled).toBe(0);
  });

  it('isolates an id that Graph rejects with 400, quarantines it and polls the rest', async () => {
    harness = await startHarness({ userCount: 650 });
    const { simulator, worker } = harness;
    const rejected = simulator.userIdAt(321);
    simulator.setFaults({ rejectedIds: [rejected] });
    await worker.start();
    const events = await harness.read({ count: 649 });
    expect(events.some((event) => event.userId === rejected)).toBe(false);
    const badRequestsAfterFirstCycle = simulator.recording.counters().byStatus[400] ?? 0;
    // Halving 650 ids down to one takes about 2 log2(650) requests, not 650.
    expect(badRequestsAfterFirstCycle).toBeGreaterThanOrEqual(10);
    expect(badRequestsAfterFirstCycle).toBeLessThanOrEqual(12);
    await harness.waitForRequests(3);
    expect(simulator.recording.counters().byStatus[400]).toBe(badRequestsAfterFirstCycle);
    const warnings = harness.logs.filter((line) => String(line['msg']).includes('rejected these ids'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.['ids']).toEqual([rejected]);
    expect(await worker.metrics.registry.getSingleMetricAsString('presence_quarantined_ids')).toMatch(/shard="all"} 1/);
  });

  it('counts ids missing from a 200 response without treating them as errors', async () => {
    harness = await startHarness({
      userCount: 10,
      shards: (ids) => [{ name: 'all', users: [...ids, '0b9c6e1e-0000-4000-8000-000000000001'] }],
    });
    await harness.worker.start();
    await harness.read({ count: 10 });
    await harness.waitForRequests(1);
    expect(await harness.worker.metrics.registry.getSingleMetricAsString('presence_missing_ids_total')).toMatch(
      / [1-9]/,
    );
    expect(harness.worker.health().ready).toBe(true);
  });

  it('gets a new token once after a 401 and carries on', async () => {
    harness = await startHarness({ userCount: 10 });
    const { simulator, worker } = harness;
    await worker.start();
    await harness.read({ count: 10 });
    const tokenRequests = simulator.recording.counters().tokenRequests;
    simulator.revokeTokens();
    simulator.changeUsers([2]);
    await harness.waitForRequests(3);
    expect(simulator.recording.counters().tokenRequests).toBe(tokenRequests + 1);
    const events = await harness.read({ count: 11 });
    expect(events.find((event) => event.kind === 'CHANGE')).toMatchObject({
      userId: simulator.userIdAt(2),
      kind: 'CHANGE',
    });
  });

  it('stops a shard on 403 and says which permission is missing', async () => {
    harness = await startHarness({ userCount: 10, simulator: { faults: { forbidden: true } } });
    await harness.worker.start();
    await harness.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(presenceRequests(harness.simulator)).toBe(1);
    const fatal = harness.logs.find(
      (line) => line['level'] === 50 && String(line['msg']).includes('Presence.Read.All'),
    );
    expect(fatal?.['msg']).toMatch(/admin consent/);
    expect(harness.worker.health()).toMatchObject({ ready: false });
    expect(harness.worker.health().reasons.join()).toContain('GRAPH_FORBIDDEN');
  });

  it('survives malformed, truncated and failing responses and publishes every user exactly once', async () => {
    harness = await startHarness({
      userCount: 650 * 3,
      simulator: {
        seed: 7,
        faults: {
          malformedJsonShare: 0.2,
          truncatedJsonShare: 0.2,
          serverErrorShare: 0.3,
          serverErrorStatuses: [500, 503, 504],
          serverErrorRetryAfterShare: 0.5,
          serverErrorRetryAfterSeconds: 0.2,
        },
      },
    });
    const { simulator, worker } = harness;
    await worker.start();
    const injected = () =>
      new Set(
        simulator.recording
          .requests()
          .map((request) => request.fault)
          .filter((fault) => fault !== null),
      );
    while (injected().size < 3) await harness.waitForRequests(1);
    expect(injected()).toEqual(new Set(['malformedJson', 'truncatedJson', 'serverError']));
    simulator.setFaults({ malformedJsonShare: 0, truncatedJsonShare: 0, serverErrorShare: 0 });
    await harness.read({ count: 650 * 3, timeoutMs: 45_000 });
    await harness.waitForRequests(6);
    const events = await harness.read({ idleMs: 1_500 });
    expect(events).toHaveLength(650 * 3);
    expect(await worker.metrics.registry.getSingleMetricAsString('presence_batch_failures_total')).toMatch(
      /GRAPH_BAD_RESPONSE/,
    );
  });
});

interface PresenceTraffic {
  /** When the client handed each presence request to undici (performance.now()). */
  sends: number[];
  /** When the client read each presence answer's status line, with its Retry-After. */
  answers: Array<{ at: number; status: number; retryAfterMs: number }>;
  stop(): void;
}

interface UndiciRequestInfo {
  request: { path: string };
  response?: { statusCode: number; headers: Buffer[] };
}

function watchPresenceTraffic(): PresenceTraffic {
  const sends: number[] = [];
  const answers: PresenceTraffic['answers'] = [];
  const isPresence = (info: UndiciRequestInfo) => info.request.path.endsWith('/communications/getPresencesByUserId');
  const onCreate = (message: unknown) => {
    if (isPresence(message as UndiciRequestInfo)) sends.push(performance.now());
  };
  const onHeaders = (message: unknown) => {
    const info = message as UndiciRequestInfo;
    if (!isPresence(info) || info.response === undefined) return;
    answers.push({
      at: performance.now(),
      status: info.response.statusCode,
      retryAfterMs: Number(rawHeader(info.response.headers, 'retry-after') ?? Number.NaN) * 1000,
    });
  };
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:headers', onHeaders);
  return {
    sends,
    answers,
    stop: () => {
      unsubscribe('undici:request:create', onCreate);
      unsubscribe('undici:request:headers', onHeaders);
    },
  };
}

/** A header from undici's raw [name, value, name, value, ...] list. */
function rawHeader(headers: Buffer[], name: string): string | undefined {
  for (let index = 0; index + 1 < headers.length; index += 2) {
    const [key, value] = [headers[index], headers[index + 1]];
    if (key?.toString('latin1').toLowerCase() === name) return value?.toString('latin1');
  }
  return undefined;
}
