/**
 * The consumer-facing topics beside the change log, against the real broker (issue "[3 of 7] Current presence as
 * a table"): the compacted table of current presence, REMOVED departures with their tombstones, and the per-shard
 * freshness watermarks. Every topic is read back from its beginning, read_committed, with readers built from the
 * .avsc files alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readMessages } from '../support/kafka.js';
import type { DecodedEvent, Harness } from '../support/connector-harness.js';
import { harnessesDisposedAfterEach, startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import {
  decodeEvent,
  decodeWatermark,
  freePort,
  groupByKey,
  keepBytes,
  keyed,
  lastPerKey,
  outputTopicsOf,
  readKeyed,
  scrapeByShard,
  whileFrozen,
  workerFromFile,
  writeShardLayout,
  type DecodedWatermark,
  type KeyedRecord,
} from './support/presence-topics.js';

const harnessFor = harnessesDisposedAfterEach();

type EventRecord = KeyedRecord<DecodedEvent>;

/** The change topic with offsets and Kafka timestamps (harness.read keeps only the values). */
async function readChanges(harness: Harness): Promise<EventRecord[]> {
  return readKeyed(harness.topic, decodeEvent);
}

/**
 * The table is written in the change events' transactions, so a read_committed reader of both sees, per user,
 * the same records in the same order: each event's value on the table (a REMOVED event as a tombstone), and
 * nothing else (no record of an aborted transaction, no record the change topic lacks). Compaction may only drop
 * older table records, never the last one, so the table's records must be a subsequence of the events that ends
 * with the user's last event. Returns the number of users checked.
 */
function expectTableMirrorsChanges(changes: readonly EventRecord[], table: readonly EventRecord[]): number {
  const changesByUser = groupByKey(changes);
  const tableByUser = groupByKey(table);
  expect([...tableByUser.keys()].sort()).toEqual([...changesByUser.keys()].sort());
  for (const [userId, events] of changesByUser) {
    const rows = tableByUser.get(userId) ?? [];
    const expected = events.map((event) => (event.value?.kind === 'REMOVED' ? null : event.raw));
    let next = 0;
    for (const row of rows) {
      while (next < expected.length && !sameBytes(expected[next] ?? null, row.raw)) next++;
      expect(next, `user ${userId}: table record at offset ${row.offset} is no event of the change topic`).toBeLessThan(
        expected.length,
      );
      next++;
    }
    expect(next, `user ${userId}: the table's last record is not the user's last event`).toBe(expected.length);
  }
  return changesByUser.size;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/**
 * The exactly-once basics of the change topic: per user, strictly increasing sequence numbers. A user in `moved`
 * may repeat its last one once, in the SNAPSHOT its new shard publishes.
 */
function expectIncreasingSequences(changes: readonly EventRecord[], moved: ReadonlySet<string> = new Set()): void {
  for (const [userId, events] of groupByKey(changes)) {
    const published = events.flatMap((event) => (event.value?.sequenceNumber == null ? [] : [event]));
    const sequences = published.map((event) => event.value?.sequenceNumber ?? '');
    const story = `user ${userId}: ${published.map((event) => `${event.value?.kind} ${event.value?.sequenceNumber} (offset ${event.offset})`).join(', ')}`;
    const repeats = sequences.filter((sequence, i) => i > 0 && sequence === sequences[i - 1]).length;
    expect(repeats, story).toBeLessThanOrEqual(moved.has(userId) ? 1 : 0);
    for (let i = 1; i < sequences.length; i++)
      expect((sequences[i] ?? '') >= (sequences[i - 1] ?? ''), story).toBe(true);
  }
}

/**
 * Polls the watermark topic until `done` holds for the latest watermark of every shard named. The worker writes
 * to it every cycle, so a read stops after a short pause rather than waiting for a silence that may never come;
 * what it missed, the next read has.
 */
async function waitForWatermarks(
  topic: string,
  shards: readonly string[],
  done: (watermark: DecodedWatermark) => boolean,
  timeoutMs = 60_000,
): Promise<Map<string, DecodedWatermark>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const latest = new Map(
      [...lastPerKey(await readKeyed(topic, decodeWatermark, { idleMs: 300 }))].map(([shard, record]) => [
        shard,
        record.value as DecodedWatermark,
      ]),
    );
    if (shards.every((shard) => latest.has(shard) && done(latest.get(shard) as DecodedWatermark))) return latest;
    if (Date.now() > deadline) throw new Error(`watermarks not there yet: ${JSON.stringify([...latest])}`);
    await sleep(500);
  }
}

describe('the table of current presence', () => {
  it('holds per user exactly the last event of the change topic, and the simulator presence, after SIGKILL rounds and restarts', async () => {
    const userCount = 600;
    const harness = await harnessFor({
      userCount,
      // Several batches per shard, so a cycle is several transactions and a kill lands between them too.
      shards: (ids) => [
        { name: 'east', users: ids.slice(0, 250) },
        { name: 'west', users: ids.slice(250, 450) },
        { name: 'north', users: ids.slice(450) },
      ],
      settings: { graph: { concurrency: 2, batchSize: 100 }, polling: { intervalSeconds: 1 } },
    });
    const { simulator } = harness;
    const topics = outputTopicsOf(harness);
    const shardOf = new Map(harness.config.shards.flatMap((shard) => shard.userIds.map((id) => [id, shard.name])));

    let churning = true;
    const churn = (async () => {
      for (let step = 0; churning; step++) {
        simulator.changeUsers(Array.from({ length: 20 }, (_, index) => (step * 53 + index * 29) % userCount));
        await sleep(250);
      }
    })();
    // Kills at random points of a cycle (polling, inside a transaction, in its commit), and one clean restart.
    const endings: Array<'SIGKILL' | 'SIGTERM'> = ['SIGKILL', 'SIGTERM', 'SIGKILL', 'SIGKILL'];
    for (const signal of endings) {
      const worker = startWorkerProcess(harness, { logLevel: 'info' });
      // A cycle is 6 requests and cycles never overlap: the 7th belongs to the second cycle, so the first one
      // (its transactions and its watermark) is committed and the kill lands later, wherever that is. On a
      // loaded machine a kill after the first request alone may land in every worker's first cycle, and the
      // scenario would never see a change.
      await harness.waitForRequests(7, 60_000).catch((error: unknown) => {
        // A worker that never polls: what it said is the only clue.
        console.error(
          worker.logs
            .slice(-30)
            .map((line) => JSON.stringify(line))
            .join('\n'),
        );
        throw error;
      });
      await sleep(Math.random() * 2_000);
      worker.child.kill(signal);
      const code = await worker.exited();
      if (signal === 'SIGTERM') expect(code).toBe(0);
    }
    churning = false;
    await churn;
    const quietSince = Date.now();

    // A last worker runs until every shard confirmed a complete cycle that started after the last change: the
    // quiet cycle, which read every user's final presence and put it on the topics before its watermark.
    const last = startWorkerProcess(harness);
    await waitForWatermarks(topics.watermarks, ['east', 'west', 'north'], (mark) => mark.confirmedAt > quietSince);
    last.child.kill('SIGTERM');
    expect(await last.exited()).toBe(0);

    const [changes, table] = await Promise.all([readChanges(harness), readKeyed(topics.table, decodeEvent)]);
    expect(changes.filter((event) => event.value?.kind === 'CHANGE').length).toBeGreaterThan(100);
    expect(expectTableMirrorsChanges(changes, table)).toBe(userCount);

    // Read as a table: one row per user of every shard, each the user's last change event, showing the simulator.
    const rows = lastPerKey(table);
    const lastEvents = lastPerKey(changes);
    expect([...rows.keys()].sort()).toEqual([...simulator.userIds()].sort());
    for (const [userId, row] of rows) {
      expect(row.value, `user ${userId}`).toEqual(lastEvents.get(userId)?.value);
      const now = simulator.getPresence(userId);
      expect(row.value, `user ${userId}`).toMatchObject({
        userId,
        shard: shardOf.get(userId),
        sequenceNumber: now.sequenceNumber ?? null,
        availability: now.availability,
        activity: now.activity,
      });
    }
    // And the change log itself repeated nothing across the kills.
    expectIncreasingSequences(changes);
  }, 180_000);
});

/**
 * A shard's first cycle that does not complete (its worker dies, or a Graph batch fails) leaves some users
 * published and the shard without its first watermark. The next cycle must not publish those users again: nothing
 * changed, and each was already on the change topic and the table, in the same transaction.
 */
describe('the table of current presence, first cycle cut short', () => {
  // A first cycle of several seconds: 12 batches, one at a time, each answered after 300 ms.
  const slowFirstCycle = {
    userCount: 120,
    simulator: { faults: { latency: { kind: 'fixed' as const, ms: 300 } } },
    settings: {
      graph: { concurrency: 1, batchSize: 10, backoff: { initialMs: 100, maxMs: 1_000, maxAttempts: 1 } },
      polling: { intervalSeconds: 1 },
    },
  };

  /** After a complete cycle: one SNAPSHOT per user and nothing else, the table holding exactly those. */
  async function expectOneSnapshotEach(harness: Harness): Promise<void> {
    const topics = outputTopicsOf(harness);
    const [changes, table] = await Promise.all([readChanges(harness), readKeyed(topics.table, decodeEvent)]);
    expectIncreasingSequences(changes);
    expect(changes.map((event) => event.value?.kind)).toEqual(Array.from({ length: 120 }, () => 'SNAPSHOT'));
    expect(expectTableMirrorsChanges(changes, table)).toBe(120);
  }

  it('repeats no snapshot when the first worker dies before its first complete cycle', async () => {
    const harness = await harnessFor(slowFirstCycle);
    const topics = outputTopicsOf(harness);
    const first = startWorkerProcess(harness);
    // Killed once some batches of the first cycle reached Kafka, before its end, so before its watermark.
    await harness.read({ count: 10, timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited();
    expect(await readKeyed(topics.watermarks, decodeWatermark)).toEqual([]);

    // The next worker completes a cycle (its watermark says so) and stops.
    await harness.worker.start();
    await waitForWatermarks(topics.watermarks, ['all'], (mark) => mark.usersConfirmed === 120);
    await harness.worker.stop();
    await expectOneSnapshotEach(harness);
  }, 120_000);

  it('repeats no snapshot when a Graph batch of the first cycle fails', async () => {
    const harness = await harnessFor(slowFirstCycle);
    const topics = outputTopicsOf(harness);
    await harness.worker.start();
    // Once some batches of the first cycle reached Kafka, Graph fails the rest of it (and a few more requests).
    await harness.read({ count: 10, timeoutMs: 60_000 });
    const faultAt = Date.now();
    harness.simulator.setFaults({ serverErrorShare: 1, serverErrorRetryAfterShare: 0 });
    await harness.waitForRequests(3);
    harness.simulator.setFaults({ serverErrorShare: 0 });
    await waitForWatermarks(topics.watermarks, ['all'], (mark) => mark.usersConfirmed === 120);
    await harness.worker.stop();
    // The first complete cycle began after the failure: the first one was cut short indeed.
    const [firstMark] = await readKeyed(topics.watermarks, decodeWatermark);
    expect(firstMark?.value?.confirmedAt).toBeGreaterThan(faultAt);
    await expectOneSnapshotEach(harness);
  }, 120_000);
});

describe('users who leave a shard', () => {
  it('publishes REMOVED and tombstones for a user in no shard any more, and only retires the old state of a moved user', async () => {
    const harness = await harnessFor({
      userCount: 40,
      shards: (ids) => [
        { name: 'a', users: ids.slice(0, 15) },
        { name: 'b', users: ids.slice(15, 30) },
        { name: 'c', users: ids.slice(30, 40) },
      ],
      // One state partition: the records of a shard dropped from the config are then found by shard "a".
      settings: { kafka: { statePartitions: 1 } },
    });
    const { simulator, worker } = harness;
    const topics = outputTopicsOf(harness);
    const id = (index: number): string => simulator.userIdAt(index);
    const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => id(from + i));

    // First layout: everyone gets a snapshot; users 3 and 31 also a change, so their last event is a CHANGE.
    await worker.start();
    await harness.read({ count: 40 });
    simulator.changeUsers([3, 31]);
    await harness.read({ count: 42 });
    await worker.stop();
    const before = lastPerKey(await readChanges(harness));
    const servedBefore = new Map(
      simulator.userIds().map((userId) => [userId, simulator.recording.servedFor(userId).length]),
    );

    // Second layout: 3 (from a) and 16 (from b) are in no shard; shard c is gone: 30..34 with it, 35..39 moved
    // to b; 20 moved from b to a.
    const removed = [id(3), id(16), ...range(30, 35)];
    const moved = new Map([[id(20), 'a'], ...range(35, 40).map((userId) => [userId, 'b'] as const)]);
    const fromShard = (userId: string): string =>
      harness.config.shards.find((shard) => shard.userIds.includes(userId))?.name ?? '';
    const layout = [
      { name: 'a', users: [...range(0, 15).filter((userId) => userId !== id(3)), id(20)] },
      {
        name: 'b',
        users: [...range(15, 30).filter((userId) => userId !== id(16) && userId !== id(20)), ...range(35, 40)],
      },
    ];
    const file = writeShardLayout(harness, 'second-layout', layout);
    const second = workerFromFile(harness, file);
    await second.worker.start();
    // 7 REMOVED and 6 SNAPSHOTs of the moved users.
    await harness.read({ count: 42 + removed.length + moved.size });
    await harness.waitForRequests(4);
    await second.worker.stop();

    // A third start with the same layout has nobody left to retire and nobody new to snapshot.
    const third = workerFromFile(harness, file);
    await third.worker.start();
    await harness.waitForRequests(4);
    await third.worker.stop();

    const [changes, table, state, marks] = await Promise.all([
      readChanges(harness),
      readKeyed(topics.table, decodeEvent),
      readKeyed(topics.state, keepBytes),
      readKeyed(topics.watermarks, decodeWatermark),
    ]);
    expect(changes).toHaveLength(42 + removed.length + moved.size);
    expectIncreasingSequences(changes, new Set(moved.keys()));
    expectTableMirrorsChanges(changes, table);
    // The events of the second and third starts.
    const after = changes.filter((event) => event.offset > (before.get(event.key)?.offset ?? -1));
    const removedEvents = after.filter((event) => event.value?.kind === 'REMOVED');
    expect(removedEvents.map((event) => event.key).sort()).toEqual([...removed].sort());

    const rows = lastPerKey(table);
    const stateRows = lastPerKey(state);
    for (const userId of removed) {
      const last = before.get(userId)?.value as DecodedEvent;
      const event = removedEvents.find((candidate) => candidate.key === userId)?.value;
      // The REMOVED event says the presence is unknown from now on, and what it last was.
      expect(event, `user ${userId}`).toMatchObject({
        kind: 'REMOVED',
        userId,
        shard: fromShard(userId),
        availability: 'PresenceUnknown',
        activity: 'PresenceUnknown',
        sequenceNumber: null,
        previousAvailability: last.availability,
        previousActivity: last.activity,
        previousSequenceNumber: last.sequenceNumber,
        previousObservedAt: last.observedAt,
      });
      expect(rows.get(userId)?.value, `table row of removed user ${userId}`).toBeNull();
      expect(stateRows.get(`${fromShard(userId)}/${userId}`)?.value, `state of removed user ${userId}`).toBeNull();
      expect(
        [...stateRows.keys()].filter((key) => key.endsWith(`/${userId}`) && stateRows.get(key)?.value !== null),
      ).toEqual([]);
      // No longer polled.
      expect(simulator.recording.servedFor(userId)).toHaveLength(servedBefore.get(userId) ?? -1);
    }
    expect(before.get(id(31))?.value?.kind).toBe('CHANGE');

    // A moved user is no departure from the watched set: no REMOVED, no table tombstone, its old state record
    // tombstoned, and (as README says) published again in its new shard as a SNAPSHOT.
    for (const [userId, shard] of moved) {
      const events = after.filter((event) => event.key === userId).map((event) => event.value as DecodedEvent);
      expect(events, `user ${userId}`).toHaveLength(1);
      expect(events[0], `user ${userId}`).toMatchObject({ kind: 'SNAPSHOT', shard, previousSequenceNumber: null });
      expect(rows.get(userId)?.value, `table row of moved user ${userId}`).toMatchObject({ kind: 'SNAPSHOT', shard });
      expect(stateRows.get(`${fromShard(userId)}/${userId}`)?.value, `old state of ${userId}`).toBeNull();
      expect(stateRows.get(`${shard}/${userId}`)?.value, `new state of ${userId}`).not.toBeNull();
    }
    // Everybody still watched: a table row and a live state record under their shard.
    for (const shard of layout) {
      for (const userId of shard.users) {
        expect(rows.get(userId)?.value, `table row of ${userId}`).not.toBeNull();
        expect(stateRows.get(`${shard.name}/${userId}`)?.value, `state of ${userId}`).not.toBeNull();
      }
    }
    // The shard gone from the config: its watermark had a record, and now ends in a tombstone (README); the
    // shards still configured keep theirs.
    const watermarks = groupByKey(marks);
    expect(watermarks.get('c')?.some((mark) => mark.value !== null)).toBe(true);
    expect(lastPerKey(marks).get('c')?.value).toBeNull();
    expect(lastPerKey(marks).get('a')?.value).toMatchObject({ shard: 'a', usersConfirmed: layout[0]?.users.length });
    expect(lastPerKey(marks).get('b')?.value).toMatchObject({ shard: 'b', usersConfirmed: layout[1]?.users.length });
    expect(second.logs).toContainEqual(
      expect.objectContaining({
        shard: 'a',
        removed: 6,
        moved: 5,
        msg: expect.stringMatching(/no longer in this shard/),
      }),
    );
    expect(second.logs).toContainEqual(
      expect.objectContaining({
        shard: 'b',
        removed: 1,
        moved: 1,
        msg: expect.stringMatching(/no longer in this shard/),
      }),
    );
  }, 120_000);
});

/**
 * What "advances once per complete cycle, never for a failed one, never ahead of its events" is checked as:
 *
 * - Cycles are seen from the simulator: one request per shard and cycle (no retry, fewer users than a batch),
 *   the shard told by the request's id count. A watermark spans [confirmedAt, cycleCompletedAt]; cycles of a
 *   shard do not overlap. So: each watermark spans exactly one request of its shard and that request got a 200;
 *   each 200 is spanned by one watermark (but the last, cut short by SIGTERM); no 5xx is spanned by any.
 * - "As of confirmedAt" is checked against what the simulator showed: the test makes every change itself and
 *   notes when (PresenceTimeline), so each user's presence at a watermark's confirmedAt is known. It must be on
 *   the change topic and the table (that sequence number or a later one), (a) in records the producer created no
 *   later than the watermark record (Kafka CreateTime), for every watermark, and (b) visible to a read_committed
 *   reader whenever the watermark is: the worker process is frozen (SIGSTOP) while the watermark topic, the change
 *   topic and the table are read, so the reads see one moment of its output.
 */
describe('the freshness watermark', () => {
  it('advances once per complete cycle of each shard, never for a failed one, and never ahead of its events', async () => {
    // One request per shard and cycle (fewer users than a batch, no retry), and shards of different sizes: a
    // simulator request is then one cycle of the shard its id count names, and a 5xx is a failed cycle.
    const sizes = { a: 30, b: 20 };
    const harness = await harnessFor({
      userCount: 50,
      shards: (ids) => [
        { name: 'a', users: ids.slice(0, 30) },
        { name: 'b', users: ids.slice(30) },
      ],
      settings: {
        graph: { concurrency: 2, backoff: { initialMs: 100, maxMs: 1_000, maxAttempts: 1 } },
        polling: { intervalSeconds: 1 },
      },
    });
    const { simulator } = harness;
    const topics = outputTopicsOf(harness);
    const shards = harness.config.shards;
    const port = await freePort();
    const worker = startWorkerProcess(harness, { env: { PRESENCE_OBSERVABILITY_HTTP_PORT: String(port) } });

    const timeline = new PresenceTimeline(harness);
    let churning = true;
    const churn = (async () => {
      for (let step = 0; churning; step++) {
        timeline.change([(step * 7) % 50, (step * 11 + 3) % 50, (step * 13 + 5) % 50]);
        await sleep(200);
      }
    })();

    const snapshots: Array<Awaited<ReturnType<typeof frozenSnapshot>>> = [];
    await waitForWatermarks(topics.watermarks, ['a', 'b'], () => true);
    snapshots.push(await frozenSnapshot(harness, worker));

    // Every Graph request fails for a while: those cycles fail, and the watermark stands still.
    const faultStart = Date.now();
    simulator.setFaults({ serverErrorShare: 1, serverErrorRetryAfterShare: 0 });
    await harness.waitForRequests(8);
    const askedAt = Date.now();
    const staleAges = await scrapeByShard(port, 'presence_shard_watermark_age_seconds');
    simulator.setFaults({ serverErrorShare: 0 });
    const faultEnd = Date.now();

    const recovered = await waitForWatermarks(topics.watermarks, ['a', 'b'], (mark) => mark.confirmedAt > faultEnd);
    const freshAges = await scrapeByShard(port, 'presence_shard_watermark_age_seconds');
    const scrapedAt = Date.now();
    await harness.waitForRequests(4);
    snapshots.push(await frozenSnapshot(harness, worker));
    churning = false;
    await churn;
    worker.child.kill('SIGTERM');
    expect(await worker.exited()).toBe(0);

    // The metric: the age grew through the failure (its last complete cycle began before the fault), and it is
    // back to the age of a watermark that was published after the fault.
    for (const shard of ['a', 'b']) {
      expect(staleAges.get(shard), `stale age of ${shard}`).toBeGreaterThanOrEqual((askedAt - faultStart) / 1000);
      const fresh = (recovered.get(shard) as DecodedWatermark).confirmedAt;
      expect(freshAges.get(shard), `fresh age of ${shard}`).toBeLessThanOrEqual((scrapedAt - fresh) / 1000 + 0.001);
    }

    const [marks, changes, table] = await Promise.all([
      readKeyed(topics.watermarks, decodeWatermark),
      readChanges(harness),
      readKeyed(topics.table, decodeEvent),
    ]);
    const requests = simulator.recording.requests().filter((request) => request.route === 'presence');
    for (const shard of shards) {
      const size = sizes[shard.name as keyof typeof sizes];
      const own = marks.filter((mark) => mark.key === shard.name).sort((x, y) => x.offset - y.offset);
      const values = own.map((mark) => mark.value as DecodedWatermark);
      const cycles = requests.filter((request) => request.idsCount === size);
      const ok = cycles.filter((request) => request.status === 200);
      const failed = cycles.filter((request) => request.status !== 200);
      expect(failed.length, `failed cycles of ${shard.name}`).toBeGreaterThanOrEqual(3);
      expect(failed.every((request) => request.status >= 500)).toBe(true);

      // Each record describes the shard in full, and each one is a later cycle than the one before it.
      for (const [index, mark] of values.entries()) {
        expect(mark).toMatchObject({
          shard: shard.name,
          tenantId: harness.config.tenant.id,
          usersConfirmed: size,
          usersUnconfirmed: 0,
          connector: harness.config.connectorName,
        });
        expect(mark.cycleCompletedAt).toBeGreaterThanOrEqual(mark.confirmedAt);
        const previous = values[index - 1];
        if (previous !== undefined) expect(mark.confirmedAt).toBeGreaterThanOrEqual(previous.cycleCompletedAt);
      }
      // Once per complete cycle: every watermark spans exactly one request of its shard, a 200; every 200 lies in
      // exactly one watermark, but for the shard's last cycle, which a SIGTERM may end before its watermark.
      const within = (request: { atWallMs: number }, mark: DecodedWatermark): boolean =>
        request.atWallMs >= mark.confirmedAt && request.atWallMs <= mark.cycleCompletedAt;
      for (const mark of values) {
        const spanned = cycles.filter((request) => within(request, mark));
        expect(
          spanned.map((request) => request.status),
          `cycle from ${mark.confirmedAt}`,
        ).toEqual([200]);
      }
      const unconfirmed = ok.filter((request) => !values.some((mark) => within(request, mark)));
      expect(unconfirmed.length, `complete cycles of ${shard.name} without a watermark`).toBeLessThanOrEqual(1);
      if (unconfirmed[0] !== undefined)
        expect(unconfirmed[0].atWallMs).toBeGreaterThan(
          (values[values.length - 1] as DecodedWatermark).cycleCompletedAt,
        );
      // Never for a failed cycle; and it did stand still across the fault and move again after it.
      for (const request of failed)
        expect(
          values.some((mark) => within(request, mark)),
          `failed request at ${request.atWallMs}`,
        ).toBe(false);
      expect(values.some((mark) => mark.cycleCompletedAt < faultStart)).toBe(true);
      expect(values.some((mark) => mark.confirmedAt > faultEnd)).toBe(true);

      // Never ahead of its events, as written: for every watermark and every user of the shard, the presence the
      // user had at the watermark's confirmedAt (or a later one) is on the change topic and on the table, in a
      // record the producer created no later than the watermark record (Kafka's CreateTime).
      for (const mark of own) {
        for (const userId of shard.userIds) {
          const needed = timeline.asOf(userId, (mark.value as DecodedWatermark).confirmedAt);
          const event = changes.find((candidate) => candidate.key === userId && covers(candidate.value, needed));
          expect(event, `user ${userId} ${needed} before the watermark at offset ${mark.offset}`).toBeDefined();
          expect(event?.timestamp).toBeLessThanOrEqual(mark.timestamp);
          const row = table.find((candidate) => candidate.key === userId && covers(candidate.value, needed));
          expect(row?.timestamp).toBeLessThanOrEqual(mark.timestamp);
        }
      }
    }

    // Never ahead of its events, as a reader sees it: while the worker was frozen, whatever watermark a
    // read_committed reader could see, the change topic and the table it could see held every presence that
    // watermark vouches for (each user's presence at its confirmedAt).
    for (const snapshot of snapshots) {
      for (const [shardName, mark] of snapshot.marks) {
        const shard = shards.find((candidate) => candidate.name === shardName);
        for (const userId of shard?.userIds ?? []) {
          const needed = timeline.asOf(userId, mark.confirmedAt);
          const where = `snapshot at ${snapshot.at}: user ${userId} ${needed} before ${shardName}'s watermark ${mark.confirmedAt}`;
          expect(
            snapshot.changes.some((event) => event.key === userId && covers(event.value, needed)),
            where,
          ).toBe(true);
          expect(covers(snapshot.rows.get(userId)?.value ?? null, needed), where).toBe(true);
        }
      }
    }
    expect(snapshots.every((snapshot) => snapshot.marks.size === 2)).toBe(true);
  }, 120_000);
});

/**
 * What the simulator showed when: every change the test makes goes through `change`, which notes each changed
 * user's new sequence number with a time taken after the change was applied. `asOf(user, t)` is then the
 * sequence number the user had at t, or a later one (a change noted before t was applied before t; the test
 * makes no other change, and a status message that expires only raises the number).
 */
class PresenceTimeline {
  private readonly history = new Map<string, Array<{ at: number; sequenceNumber: string }>>();

  constructor(private readonly harness: Harness) {
    for (const userId of harness.simulator.userIds()) this.note(userId, 0);
  }

  change(indices: readonly number[]): void {
    this.harness.simulator.changeUsers(indices);
    const at = Date.now();
    for (const index of indices) this.note(this.harness.simulator.userIdAt(index), at);
  }

  asOf(userId: string, time: number): string {
    const before = (this.history.get(userId) ?? []).filter((entry) => entry.at < time);
    const last = before[before.length - 1];
    if (last === undefined) throw new Error(`no presence of ${userId} before ${time}`);
    return last.sequenceNumber;
  }

  private note(userId: string, at: number): void {
    const sequenceNumber = this.harness.simulator.getPresence(userId).sequenceNumber;
    if (sequenceNumber == null) throw new Error(`${userId} has no sequence number`);
    this.history.set(userId, [...(this.history.get(userId) ?? []), { at, sequenceNumber }]);
  }
}

/** An event that carries this sequence number or a later one. */
function covers(event: DecodedEvent | null | undefined, sequenceNumber: string): boolean {
  return event?.sequenceNumber != null && event.sequenceNumber >= sequenceNumber;
}

/**
 * One moment of the worker's output: the worker process is stopped (SIGSTOP) while the watermarks, the change
 * topic and the table are read, read_committed, so no transaction of it commits between the three reads.
 */
async function frozenSnapshot(harness: Harness, worker: WorkerProcess) {
  const topics = outputTopicsOf(harness);
  return whileFrozen(worker.child, async () => {
    const at = Date.now();
    const [marks, changes, table] = await Promise.all([
      readMessages(topics.watermarks, { idleMs: 1_500 }),
      readMessages(harness.topic, { idleMs: 1_500 }),
      readMessages(topics.table, { idleMs: 1_500 }),
    ]);
    return {
      at,
      marks: new Map(
        [...lastPerKey(marks.map((message) => keyed(message, decodeWatermark)))].map(([shard, record]) => [
          shard,
          record.value as DecodedWatermark,
        ]),
      ),
      changes: changes.map((message) => keyed(message, decodeEvent)),
      rows: lastPerKey(table.map((message) => keyed(message, decodeEvent))),
    };
  });
}
