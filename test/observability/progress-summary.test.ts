import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createLogger,
  ProgressReporter,
  type HealthStatus,
  type ProgressReporterOptions,
} from '../../src/observability/index.js';

type LogLine = Record<string, unknown> & { level: number; msg: string };

const NOT_READY: HealthStatus = {
  live: true,
  ready: false,
  reasons: ['shard emea has not completed a clean cycle yet'],
};
const READY: HealthStatus = { live: true, ready: true, reasons: [] };

/** A reporter on a clock the test moves, logging into `lines`; readiness is whatever `health.status` is. */
function setUp(options: Partial<ProgressReporterOptions> = {}) {
  const lines: LogLine[] = [];
  const clock = { now: 1_000_000 };
  const health = { status: NOT_READY };
  const budget = { maxRequests: 1_500, windowMs: 30_000 };
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  const reporter = new ProgressReporter({
    logger,
    readiness: () => health.status,
    pollingIntervalMs: 60_000,
    summaryIntervalMs: 60_000,
    usersOf: (shard) => (shard === 'emea' ? 50_000 : 650),
    budgetShare: () => budget,
    now: () => clock.now,
    ...options,
  });
  const messages = () => lines.map((line) => line.msg);
  return { reporter, lines, messages, clock, health, budget };
}

/** One batch of 650 users read, all new, as the pipeline reports it: verdicts, the acknowledged snapshots, done. */
function snapshotBatch(reporter: ProgressReporter, shard: string, users = 650): void {
  reporter.verdicts(shard, { snapshot: users, change: 0, duplicate: 0, stale: 0 });
  reporter.published(shard, users, 0);
  reporter.delivered(shard, users);
}

const CYCLE = { durationMs: 12_000, batches: 77, failedBatches: 0 };

describe('ProgressReporter: the first cycle of a shard', () => {
  it('reports its progress at most every progressIntervalMs from its first batch, then its end', () => {
    const { reporter, messages, clock, lines } = setUp({ progressIntervalMs: 5_000 });
    reporter.owned(['emea']);
    snapshotBatch(reporter, 'emea'); // the first batch starts the clock of the progress lines
    clock.now += 3_000;
    snapshotBatch(reporter, 'emea');
    clock.now += 2_000;
    snapshotBatch(reporter, 'emea');
    clock.now += 1_000;
    snapshotBatch(reporter, 'emea');
    clock.now += 4_000;
    reporter.missingIds('emea', 50);
    reporter.verdicts('emea', { snapshot: 0, change: 0, duplicate: 600, stale: 0 });
    reporter.delivered('emea', 650); // nothing new: done without a publish
    expect(messages()).toEqual([
      'shard emea: first cycle, 1,950 of 50,000 users polled (4%), 1,950 events published',
      'shard emea: first cycle, 3,250 of 50,000 users polled (7%), 2,600 events published',
    ]);
    expect(lines[1]).toMatchObject({ level: 30, shard: 'emea', usersPolled: 3_250, users: 50_000, published: 2_600 });

    reporter.cycleFinished({ shard: 'emea', ...CYCLE });
    expect(messages().at(-1)).toBe(
      'shard emea: first cycle done in 12 s (77 batches): 3,250 users polled, published 2,600 snapshots, 0 changes, 0 removed; dropped 600 duplicates, 0 stale',
    );
    expect(lines.at(-1)).toMatchObject({ shard: 'emea', usersPolled: 3_250, missing: 50, durationMs: 12_000 });

    // The next cycles are the summary's business.
    const before = lines.length;
    clock.now += 60_000;
    snapshotBatch(reporter, 'emea');
    clock.now += 60_000;
    snapshotBatch(reporter, 'emea');
    reporter.cycleFinished({ shard: 'emea', ...CYCLE });
    expect(lines).toHaveLength(before);
  });

  it('says how many steps of the first cycle failed', () => {
    const { reporter, messages } = setUp();
    reporter.owned(['emea']);
    snapshotBatch(reporter, 'emea');
    reporter.cycleFinished({ shard: 'emea', durationMs: 800, batches: 3, failedBatches: 2 });
    expect(messages()).toEqual([
      'shard emea: first cycle finished in 800 ms (3 batches) with 2 failures, retried next cycle: 650 users polled, published 650 snapshots, 0 changes, 0 removed; dropped 0 duplicates, 0 stale',
    ]);
  });

  it('starts a first cycle again for a shard taken over anew, not for a shard kept', () => {
    const { reporter, messages } = setUp();
    reporter.owned(['emea', 'apac']);
    reporter.cycleFinished({ shard: 'emea', ...CYCLE });
    reporter.cycleFinished({ shard: 'apac', ...CYCLE });
    reporter.owned(['emea']);
    reporter.owned(['emea', 'apac']);
    reporter.cycleFinished({ shard: 'emea', ...CYCLE });
    reporter.cycleFinished({ shard: 'apac', ...CYCLE });
    expect(messages().map((msg) => msg.slice(0, msg.indexOf(':')))).toEqual(['shard emea', 'shard apac', 'shard apac']);
  });

  it('returns each cycle its own counts, for the per-cycle line', () => {
    const { reporter } = setUp();
    reporter.owned(['emea']);
    reporter.departed('emea', 2);
    reporter.missingIds('emea', 1);
    reporter.verdicts('emea', { snapshot: 3, change: 4, duplicate: 5, stale: 6 });
    reporter.published('emea', 3, 4);
    reporter.delivered('emea', 19);
    // A batch Graph answered whose publish is still in flight when the cycle ends (it never is: a cycle waits).
    reporter.verdicts('emea', { snapshot: 0, change: 0, duplicate: 1, stale: 0 });
    expect(reporter.cycleFinished({ shard: 'emea', ...CYCLE })).toEqual({
      usersPolled: 19,
      missing: 1,
      snapshots: 3,
      changes: 4,
      removed: 2,
      duplicates: 6,
      stale: 6,
    });
    reporter.verdicts('emea', { snapshot: 0, change: 1, duplicate: 0, stale: 0 });
    reporter.delivered('emea', 1);
    expect(reporter.cycleFinished({ shard: 'emea', ...CYCLE })).toMatchObject({ usersPolled: 1, changes: 0 });
  });
});

describe('ProgressReporter: readiness', () => {
  it('logs when the worker turns ready and when it stops being ready, once per change', () => {
    const { reporter, lines, clock, health } = setUp();
    reporter.owned(['emea', 'apac']);
    reporter.checkReadiness();
    expect(lines).toEqual([]); // not ready at start is the expected state, not news
    clock.now += 48_000;
    health.status = READY;
    reporter.checkReadiness();
    reporter.checkReadiness();
    health.status = { live: true, ready: false, reasons: ['Kafka sends failing (1 in a row): broker away'] };
    reporter.checkReadiness();
    health.status = { live: true, ready: false, reasons: ['Kafka sends failing (2 in a row): broker away'] };
    clock.now += 12_000;
    reporter.checkReadiness();
    health.status = READY;
    reporter.checkReadiness();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [30, 'worker ready after 48 s: 2 shards, 50,650 users, every shard completed a clean cycle'],
      [40, 'worker no longer ready: Kafka sends failing (1 in a row): broker away'],
      [30, 'worker ready again after 12 s not ready: 2 shards, 50,650 users, every shard completed a clean cycle'],
    ]);
    expect(lines[0]).toMatchObject({ shards: 2, users: 50_650, sinceStartMs: 48_000 });
    expect(lines[1]).toMatchObject({ reasons: ['Kafka sends failing (1 in a row): broker away'] });
    expect(lines[2]).toMatchObject({ notReadyMs: 12_000 });
    expect(lines[2]).not.toHaveProperty('sinceStartMs');
  });

  it('checks readiness at the end of a first cycle, so the ready line follows the cycle that made it', () => {
    const { reporter, messages, health } = setUp();
    reporter.owned(['apac']);
    health.status = READY;
    reporter.cycleFinished({ shard: 'apac', ...CYCLE });
    expect(messages()).toHaveLength(2);
    expect(messages()[1]).toBe('worker ready after 0 ms: 1 shard, 650 users, every shard completed a clean cycle');
  });

  it('says so when the worker owns no shard', () => {
    const { reporter, messages, health } = setUp();
    reporter.owned([]);
    health.status = READY;
    reporter.checkReadiness();
    expect(messages()).toEqual(['worker ready after 0 ms: it owns no shards (other workers poll them)']);
  });
});

describe('ProgressReporter: the periodic summary', () => {
  it('adds up an interval per shard, reports quiet shards too, then starts a new interval', () => {
    const { reporter, lines, messages, clock, health } = setUp();
    reporter.owned(['emea', 'apac']);
    reporter.verdicts('emea', { snapshot: 0, change: 17, duplicate: 49_950, stale: 2 });
    reporter.missingIds('emea', 31);
    reporter.published('emea', 0, 17);
    reporter.delivered('emea', 50_000);
    reporter.departed('emea', 1);
    reporter.cycleFinished({ shard: 'emea', durationMs: 2_400, batches: 77, failedBatches: 0 });
    reporter.cycleFinished({ shard: 'emea', durationMs: 3_100, batches: 77, failedBatches: 2 });
    reporter.confirmed('emea', clock.now + 19_000);
    for (let i = 0; i < 156; i++) reporter.graphResponse(i < 3 ? 429 : 200);
    health.status = READY;
    clock.now += 60_000;
    lines.length = 0;
    reporter.summarize();
    expect(messages()).toEqual([
      'shard emea, last 60 s: 2 cycles (154 batches), 50,000 users polled, longest cycle 3.1 s of the 60 s interval; published 0 snapshots, 17 changes, 1 removed; dropped 49,950 duplicates, 2 stale; 1 cycle with failures (2); 31 ids without presence; watermark 41 s old',
      'shard apac, last 60 s: 0 cycles (0 batches), 0 users polled, polling interval 60 s; published 0 snapshots, 0 changes, 0 removed; dropped 0 duplicates, 0 stale; no complete cycle yet',
      'worker, last 60 s: 156 Graph requests, 3 throttled (429), 5% of its budget share of 1,500 requests per 30 s; 2 shards, ready',
    ]);
    expect(lines[0]).toEqual(
      expect.objectContaining({
        level: 30,
        shard: 'emea',
        elapsedMs: 60_000,
        usersPolled: 50_000,
        missing: 31,
        snapshots: 0,
        changes: 17,
        removed: 1,
        duplicates: 49_950,
        stale: 2,
        cycles: 2,
        failedCycles: 1,
        batches: 154,
        failedBatches: 2,
        longestCycleMs: 3_100,
        intervalMs: 60_000,
        watermarkAgeMs: 41_000,
      }),
    );
    expect(lines[1]).not.toHaveProperty('watermarkAgeMs');
    expect(lines[2]).toMatchObject({
      graphRequests: 156,
      throttled: 3,
      budgetMaxRequests: 1_500,
      budgetWindowMs: 30_000,
      budgetUse: 156 / 3_000,
      shards: 2,
      ready: true,
    });
    expect(lines[2]).not.toHaveProperty('reasons');

    clock.now += 30_000;
    lines.length = 0;
    reporter.summarize();
    expect(lines[0]).toMatchObject({ elapsedMs: 30_000, usersPolled: 0, cycles: 0, watermarkAgeMs: 71_000 });
    expect(lines[2]).toMatchObject({ graphRequests: 0, throttled: 0, budgetUse: 0 });
  });

  it('says why a worker is not ready, at every summary, and uses the budget share as it is now', () => {
    const { reporter, lines, clock, budget } = setUp();
    budget.maxRequests = 10;
    reporter.graphResponse(200);
    clock.now += 60_000;
    reporter.summarize();
    expect(lines.map((line) => line.msg)).toEqual([
      'worker, last 60 s: 1 Graph request, 0 throttled (429), 5% of its budget share of 10 requests per 30 s; 0 shards, not ready: shard emea has not completed a clean cycle yet',
    ]);
    expect(lines[0]).toMatchObject({ ready: false, reasons: NOT_READY.reasons });
  });
});

describe('ProgressReporter: timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('summarizes every summaryIntervalMs and checks readiness until the signal aborts', () => {
    vi.useFakeTimers();
    const { reporter, messages, health } = setUp({ now: () => Date.now(), readinessCheckMs: 1_000 });
    const lifecycle = new AbortController();
    reporter.start(lifecycle.signal);
    reporter.owned(['apac']);
    health.status = READY;
    vi.advanceTimersByTime(1_000);
    expect(messages()).toEqual(['worker ready after 1.0 s: 1 shard, 650 users, every shard completed a clean cycle']);
    vi.advanceTimersByTime(119_000);
    expect(messages().filter((msg) => msg.startsWith('worker, last 60 s'))).toHaveLength(2);
    expect(messages().filter((msg) => msg.startsWith('shard apac, last 60 s'))).toHaveLength(2);
    lifecycle.abort();
    const count = messages().length;
    health.status = NOT_READY;
    vi.advanceTimersByTime(600_000);
    expect(messages()).toHaveLength(count);
  });

  it('with summaryIntervalMs 0 logs no summary, and still the readiness changes', () => {
    vi.useFakeTimers();
    const { reporter, messages, health } = setUp({ now: () => Date.now(), summaryIntervalMs: 0 });
    reporter.start();
    reporter.owned(['apac']);
    health.status = READY;
    vi.advanceTimersByTime(3_600_000);
    expect(messages()).toEqual(['worker ready after 5.0 s: 1 shard, 650 users, every shard completed a clean cycle']);
    reporter.stop();
  });

  it('does not start once the worker is stopping', () => {
    vi.useFakeTimers();
    const { reporter, messages, health } = setUp({ now: () => Date.now() });
    const lifecycle = new AbortController();
    lifecycle.abort();
    reporter.start(lifecycle.signal);
    health.status = READY;
    vi.advanceTimersByTime(600_000);
    expect(messages()).toEqual([]);
  });
});
