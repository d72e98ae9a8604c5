import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import {
  ConnectorMetrics,
  createLogger,
  graphClientObserver,
  processingObserver,
  ProgressReporter,
  publisherObserver,
  recordOwnedShards,
  shardPollerObserver,
  WorkerHealth,
  type StageTelemetry,
} from '../../src/observability/index.js';

type LogLine = Record<string, unknown> & { level: number; msg: string };

function telemetry(): StageTelemetry & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { metrics: new ConnectorMetrics({ collectProcessMetrics: false }), health: new WorkerHealth(), logger, lines };
}

/** The value of one series of a metric; for histograms `suffix` picks `_count` or `_sum`. */
async function valueOf(
  metrics: ConnectorMetrics,
  name: string,
  labels: Record<string, string> = {},
  suffix = '',
): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const series = values.find(
    (entry) =>
      (suffix === '' || (entry as { metricName?: string }).metricName === `${name}${suffix}`) &&
      Object.keys(labels).every((key) => String((entry.labels as Record<string, unknown>)[key]) === labels[key]) &&
      Object.keys(entry.labels).filter((key) => key !== 'le').length === Object.keys(labels).length,
  );
  return series?.value;
}

/** A health that would be ready if nothing else was wrong: connected and its shards cycled cleanly once. */
function readyHealth(health: WorkerHealth, shards: readonly string[]): void {
  health.recordSinkConnected();
  health.recordOwnedShards(shards);
  for (const shard of shards) health.recordCycle(shard, true);
}

describe('graphClientObserver', () => {
  it('counts responses by status and observes their duration in seconds', async () => {
    const t = telemetry();
    const observer = graphClientObserver(t);
    observer.onResponse?.({ status: 200, durationMs: 250, ids: 10 });
    observer.onResponse?.({ status: 200, durationMs: 750, ids: 10 });
    observer.onResponse?.({ status: 429, durationMs: 50, ids: 10 });
    expect(await valueOf(t.metrics, 'presence_graph_requests_total', { status: '200' })).toBe(2);
    expect(await valueOf(t.metrics, 'presence_graph_requests_total', { status: '429' })).toBe(1);
    expect(await valueOf(t.metrics, 'presence_graph_request_duration_seconds', {}, '_count')).toBe(3);
    expect(await valueOf(t.metrics, 'presence_graph_request_duration_seconds', {}, '_sum')).toBeCloseTo(1.05);
  });

  it('counts throttling by status with the waited seconds, and retries by reason', async () => {
    const t = telemetry();
    const observer = graphClientObserver(t);
    observer.onRetryAfter?.({ status: 429, delayMs: 2_000 });
    observer.onRetryAfter?.({ status: 503, delayMs: 500 });
    observer.onRetry?.({ attempt: 1, delayMs: 100, reason: 'timeout' });
    observer.onRetry?.({ attempt: 2, delayMs: 200, reason: 'timeout' });
    observer.onRetry?.({ attempt: 1, delayMs: 100, reason: '500' });
    expect(await valueOf(t.metrics, 'presence_graph_throttled_total', { status: '429' })).toBe(1);
    expect(await valueOf(t.metrics, 'presence_graph_throttled_total', { status: '503' })).toBe(1);
    expect(await valueOf(t.metrics, 'presence_graph_retry_after_wait_seconds_total')).toBeCloseTo(2.5);
    expect(await valueOf(t.metrics, 'presence_graph_retries_total', { reason: 'timeout' })).toBe(2);
    expect(await valueOf(t.metrics, 'presence_graph_retries_total', { reason: '500' })).toBe(1);
    expect(t.lines).toEqual([]);
  });
});

describe('processingObserver', () => {
  it('counts duplicates and stale presences as dropped, not snapshots or changes', async () => {
    const t = telemetry();
    const observer = processingObserver(t);
    observer.onVerdicts?.({ shard: 'emea', counts: { snapshot: 4, change: 3, duplicate: 2, stale: 1 } });
    observer.onVerdicts?.({ shard: 'emea', counts: { snapshot: 0, change: 0, duplicate: 5, stale: 0 } });
    expect(await valueOf(t.metrics, 'presence_dropped_total', { reason: 'duplicate' })).toBe(7);
    expect(await valueOf(t.metrics, 'presence_dropped_total', { reason: 'stale' })).toBe(1);
    expect(await valueOf(t.metrics, 'presence_events_published_total', { kind: 'snapshot' })).toBeUndefined();
  });

  it('counts missing ids and logs them at debug with the shard', async () => {
    const t = telemetry();
    processingObserver(t).onMissingIds?.({ shard: 'emea', ids: ['a', 'b', 'c'] });
    expect(await valueOf(t.metrics, 'presence_missing_ids_total')).toBe(3);
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatchObject({ level: 20, shard: 'emea', ids: ['a', 'b', 'c'] });
    expect(t.lines[0]?.msg).toBe('ids missing from the Graph response');
  });

  it('counts REMOVED events of departed users and logs one info line with the removed and the moved', async () => {
    const t = telemetry();
    const observer = processingObserver(t);
    observer.onDeparted?.({ shard: 'emea', removed: 3, moved: 2 });
    observer.onDeparted?.({ shard: 'apac', removed: 0, moved: 4 });
    expect(await valueOf(t.metrics, 'presence_events_published_total', { kind: 'removed' })).toBe(3);
    expect(await valueOf(t.metrics, 'presence_events_published_total', { kind: 'snapshot' })).toBeUndefined();
    expect(t.lines).toHaveLength(2);
    expect(t.lines[0]).toMatchObject({ level: 30, shard: 'emea', removed: 3, moved: 2 });
    expect(t.lines[1]).toMatchObject({ level: 30, shard: 'apac', removed: 0, moved: 4 });
  });

  it('counts sequence resets and logs each once at warn with the user and both stamps', async () => {
    const t = telemetry();
    const observer = processingObserver(t);
    expect(await valueOf(t.metrics, 'presence_sequence_resets_total')).toBe(0);
    observer.onSequenceResets?.({
      shard: 'emea',
      resets: [
        { userId: 'u1', previous: 'C0000000010', current: 'C0000000002' },
        { userId: 'u2', previous: 'B9', current: 'B10' },
      ],
    });
    expect(await valueOf(t.metrics, 'presence_sequence_resets_total')).toBe(2);
    expect(t.lines).toHaveLength(2);
    expect(t.lines[0]).toMatchObject({
      level: 40,
      shard: 'emea',
      userId: 'u1',
      previousSequenceNumber: 'C0000000010',
      sequenceNumber: 'C0000000002',
    });
    expect(t.lines[0]?.msg).toMatch(/went back for good/);
    expect(t.lines[1]).toMatchObject({ level: 40, userId: 'u2', previousSequenceNumber: 'B9', sequenceNumber: 'B10' });
  });

  it('counts published events by kind and sets the users tracked', async () => {
    const t = telemetry();
    const observer = processingObserver(t);
    observer.onPublished?.({ shard: 'emea', snapshots: 3, changes: 1, usersTracked: 3 });
    observer.onPublished?.({ shard: 'emea', snapshots: 0, changes: 2, usersTracked: 4 });
    expect(await valueOf(t.metrics, 'presence_events_published_total', { kind: 'snapshot' })).toBe(3);
    expect(await valueOf(t.metrics, 'presence_events_published_total', { kind: 'change' })).toBe(3);
    expect(await valueOf(t.metrics, 'presence_users_tracked')).toBe(4);
  });
});

describe('shardPollerObserver', () => {
  it('on a clean cycle observes its duration, sets the lag gauge in seconds, records the cycle and logs it', async () => {
    const t = telemetry();
    t.health.recordSinkConnected();
    t.health.recordOwnedShards(['emea']);
    expect(t.health.status().ready).toBe(false);
    shardPollerObserver(t).onCycle?.({ shard: 'emea', durationMs: 1_500, lagMs: 250, batches: 2, failedBatches: 0 });
    expect(await valueOf(t.metrics, 'presence_shard_schedule_lag_seconds', { shard: 'emea' })).toBe(0.25);
    expect(await valueOf(t.metrics, 'presence_cycle_duration_seconds', { shard: 'emea' }, '_count')).toBe(1);
    expect(await valueOf(t.metrics, 'presence_cycle_duration_seconds', { shard: 'emea' }, '_sum')).toBe(1.5);
    expect(t.health.status()).toEqual({ live: true, ready: true, reasons: [] });
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatchObject({ level: 20, msg: 'poll cycle finished', shard: 'emea', batches: 2 });
  });

  it('records a cycle with a failed batch as failed: three make the worker unready', () => {
    const t = telemetry();
    readyHealth(t.health, ['emea']);
    const observer = shardPollerObserver(t);
    for (let i = 0; i < 3; i++) {
      observer.onCycle?.({ shard: 'emea', durationMs: 10, lagMs: 0, batches: 2, failedBatches: 1 });
    }
    expect(t.health.status().reasons).toEqual(['shard emea: 3 failed cycles in a row']);
  });

  it('counts failed batches by shard and error code, UNKNOWN for a plain error', async () => {
    const t = telemetry();
    const observer = shardPollerObserver(t);
    const badBody = new ConnectorError(ErrorCodes.GRAPH_BAD_RESPONSE, 'bad body', { retriable: true });
    observer.onBatchFailed?.({ shard: 'emea', error: badBody });
    observer.onBatchFailed?.({ shard: 'emea', error: badBody });
    observer.onBatchFailed?.({ shard: 'apac', error: new Error('boom') });
    expect(
      await valueOf(t.metrics, 'presence_batch_failures_total', { shard: 'emea', code: ErrorCodes.GRAPH_BAD_RESPONSE }),
    ).toBe(2);
    expect(await valueOf(t.metrics, 'presence_batch_failures_total', { shard: 'apac', code: 'UNKNOWN' })).toBe(1);
  });

  it('records a confirmed cycle as the shard watermark: timestamp and age', async () => {
    const t = telemetry();
    const observer = shardPollerObserver(t);
    const confirmedAt = Date.now() - 120_000;
    observer.onConfirmed?.({ shard: 'emea', confirmedAt });
    expect(await valueOf(t.metrics, 'presence_shard_watermark_timestamp_seconds', { shard: 'emea' })).toBe(
      confirmedAt / 1000,
    );
    const age = await valueOf(t.metrics, 'presence_shard_watermark_age_seconds', { shard: 'emea' });
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(130);
    expect(await valueOf(t.metrics, 'presence_shard_watermark_age_seconds', { shard: 'apac' })).toBeUndefined();
  });

  it('sets the quarantined gauge to the total and reports a stopped shard to health', async () => {
    const t = telemetry();
    readyHealth(t.health, ['emea']);
    const observer = shardPollerObserver(t);
    observer.onQuarantined?.({ shard: 'emea', ids: ['a'], total: 1 });
    observer.onQuarantined?.({ shard: 'emea', ids: ['b', 'c'], total: 3 });
    expect(await valueOf(t.metrics, 'presence_quarantined_ids', { shard: 'emea' })).toBe(3);
    observer.onStopped?.({ shard: 'emea', reason: 'permission missing' });
    expect(t.health.status()).toEqual({
      live: false,
      ready: false,
      reasons: ['shard emea stopped: permission missing'],
    });
  });
});

describe('publisherObserver', () => {
  it('makes the worker unready with the message on a send error, ready again on the next publish', async () => {
    const t = telemetry();
    readyHealth(t.health, ['emea']);
    const observer = publisherObserver(t);
    observer.onSendError?.({ error: new Error('broker away'), attempt: 1, retryInMs: 100 });
    expect(await valueOf(t.metrics, 'presence_kafka_send_errors_total')).toBe(1);
    expect(t.health.status()).toEqual({
      live: true,
      ready: false,
      reasons: ['Kafka sends failing (1 in a row): broker away'],
    });
    observer.onPublished?.({ records: 5, durationMs: 40 });
    expect(t.health.status()).toEqual({ live: true, ready: true, reasons: [] });
    expect(await valueOf(t.metrics, 'presence_kafka_publish_duration_seconds', {}, '_count')).toBe(1);
    expect(await valueOf(t.metrics, 'presence_kafka_publish_duration_seconds', {}, '_sum')).toBeCloseTo(0.04);
  });

  it('counts transactions by outcome and fenced shards', async () => {
    const t = telemetry();
    const observer = publisherObserver(t);
    observer.onTransaction?.({ outcome: 'committed' });
    observer.onTransaction?.({ outcome: 'committed' });
    observer.onTransaction?.({ outcome: 'aborted' });
    observer.onFenced?.({ shard: 'emea' });
    expect(await valueOf(t.metrics, 'presence_kafka_transactions_total', { outcome: 'committed' })).toBe(2);
    expect(await valueOf(t.metrics, 'presence_kafka_transactions_total', { outcome: 'aborted' })).toBe(1);
    expect(await valueOf(t.metrics, 'presence_kafka_fenced_total')).toBe(1);
  });
});

describe('recordOwnedShards', () => {
  it('records the shards in health, sets the gauges and logs one info line', async () => {
    const t = telemetry();
    t.health.recordSinkConnected();
    expect(t.health.status().reasons).toEqual(['no shards assigned yet (state not restored)']);
    recordOwnedShards(t, ['emea', 'apac'], { usersTracked: 12, requestBudget: 50, windowSeconds: 10 });
    expect(await valueOf(t.metrics, 'presence_shards_owned')).toBe(2);
    expect(await valueOf(t.metrics, 'presence_users_tracked')).toBe(12);
    expect(t.health.status().reasons).toEqual([
      'shard emea has not completed a clean cycle yet',
      'shard apac has not completed a clean cycle yet',
    ]);
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatchObject({
      level: 30,
      msg: 'polling these shards',
      owned: ['emea', 'apac'],
      requestBudget: 50,
      windowSeconds: 10,
    });
    recordOwnedShards(t, [], { usersTracked: 0, requestBudget: 1, windowSeconds: 10 });
    expect(await valueOf(t.metrics, 'presence_shards_owned')).toBe(0);
    expect(t.health.status()).toEqual({ live: true, ready: true, reasons: [] });
  });

  it('stops reporting the watermark age of a shard this worker gave up', async () => {
    // Known bug (see the [3 of 7] review): the age of a released shard keeps growing on its former owner, so
    // an alert on the age fires after every rebalance although the new owner confirms the shard each cycle.
    const t = telemetry();
    recordOwnedShards(t, ['emea', 'apac'], { usersTracked: 2, requestBudget: 50, windowSeconds: 10 });
    const observer = shardPollerObserver(t);
    observer.onConfirmed?.({ shard: 'emea', confirmedAt: Date.now() });
    observer.onConfirmed?.({ shard: 'apac', confirmedAt: Date.now() });
    recordOwnedShards(t, ['emea'], { usersTracked: 1, requestBudget: 50, windowSeconds: 10 });
    expect(await valueOf(t.metrics, 'presence_shard_watermark_age_seconds', { shard: 'emea' })).toBeDefined();
    expect(await valueOf(t.metrics, 'presence_shard_watermark_age_seconds', { shard: 'apac' })).toBeUndefined();
    expect(await valueOf(t.metrics, 'presence_shard_watermark_timestamp_seconds', { shard: 'apac' })).toBeUndefined();
  });
});

describe('the observers feed the progress reporter', () => {
  /** Telemetry with a reporter whose clock the test sets; summaries by hand (the interval is never started). */
  function withProgress(): StageTelemetry & { lines: LogLine[]; progress: ProgressReporter; clock: { now: number } } {
    const t = telemetry();
    const clock = { now: 0 };
    const progress = new ProgressReporter({
      logger: t.logger,
      readiness: () => t.health.status(),
      pollingIntervalMs: 60_000,
      summaryIntervalMs: 60_000,
      usersOf: () => 1_300,
      budgetShare: () => ({ maxRequests: 1_500, windowMs: 30_000 }),
      now: () => clock.now,
    });
    return { ...t, progress, clock };
  }

  it("gives the per-cycle debug line the cycle's event counts, and ends the first cycle at info", () => {
    const t = withProgress();
    t.health.recordSinkConnected();
    recordOwnedShards(t, ['emea'], { usersTracked: 0, requestBudget: 1_500, windowSeconds: 30 });
    const processing = processingObserver(t);
    processing.onMissingIds?.({ shard: 'emea', ids: ['a', 'b'] });
    processing.onVerdicts?.({ shard: 'emea', counts: { snapshot: 1_290, change: 0, duplicate: 8, stale: 0 } });
    processing.onPublished?.({ shard: 'emea', snapshots: 1_290, changes: 0, usersTracked: 1_290 });
    processing.onDelivered?.({ shard: 'emea', users: 1_300 });
    processing.onDeparted?.({ shard: 'emea', removed: 3, moved: 1 });
    t.lines.length = 0;
    shardPollerObserver(t).onCycle?.({ shard: 'emea', durationMs: 2_400, lagMs: 0, batches: 2, failedBatches: 0 });
    expect(t.lines.map((line) => [line.level, line.msg])).toEqual([
      [
        30,
        'shard emea: first cycle done in 2.4 s (2 batches): 1,300 users polled, published 1,290 snapshots, 0 changes, 3 removed; dropped 8 duplicates, 0 stale',
      ],
      [30, 'worker ready after 0 ms: 1 shard, 1,300 users, every shard completed a clean cycle'],
      [20, 'poll cycle finished'],
    ]);
    expect(t.lines[2]).toMatchObject({
      shard: 'emea',
      batches: 2,
      usersPolled: 1_300,
      missing: 2,
      snapshots: 1_290,
      changes: 0,
      removed: 3,
      duplicates: 8,
      stale: 0,
    });
  });

  it('counts Graph responses and 429s for the worker line, and the confirmed cycle for the watermark age', () => {
    const t = withProgress();
    recordOwnedShards(t, ['emea'], { usersTracked: 0, requestBudget: 1_500, windowSeconds: 30 });
    const graph = graphClientObserver(t);
    graph.onResponse?.({ status: 200, durationMs: 80, ids: 650 });
    graph.onResponse?.({ status: 429, durationMs: 20, ids: 650 });
    graph.onResponse?.({ status: 200, durationMs: 90, ids: 650 });
    shardPollerObserver(t).onConfirmed?.({ shard: 'emea', confirmedAt: 15_000 });
    t.clock.now = 60_000;
    t.lines.length = 0;
    t.progress.summarize();
    expect(t.lines[0]).toMatchObject({ shard: 'emea', watermarkAgeMs: 45_000 });
    expect(t.lines[1]).toMatchObject({ graphRequests: 3, throttled: 1 });
  });
});

describe('graphClientObserver.onRateChange', () => {
  it('sets the rate gauges and logs each change of the learned rate in one line a person can read', async () => {
    const t = telemetry();
    const { onRateChange } = graphClientObserver(t);
    onRateChange({
      reason: 'throttled',
      ratePerSecond: 3.3321,
      previousPerSecond: 50,
      ceilingPerSecond: 50,
      limited: true,
      allowedPerSecond: 4,
    });
    onRateChange({
      reason: 'recovered',
      ratePerSecond: 50,
      previousPerSecond: 48,
      ceilingPerSecond: 50,
      limited: false,
      allowedPerSecond: undefined,
    });
    expect(t.lines.map((line) => [line.level, line.msg])).toEqual([
      [
        30,
        'Graph throttled this worker (429) at 50.0 requests/s: request rate lowered to 3.33 requests/s ' +
          '(Graph last let 4.00 requests/s through, its share of the request budget is 50.0 requests/s)',
      ],
      [30, "Graph answers 200: request rate back at this worker's share of the request budget, 50.0 requests/s"],
    ]);
    expect(t.lines[0]).toMatchObject({ reason: 'throttled', ratePerSecond: 3.33, allowedPerSecond: 4, limited: true });
    expect(await valueOf(t.metrics, 'presence_graph_request_rate_limit')).toBe(50);
    expect(await valueOf(t.metrics, 'presence_graph_request_rate_share')).toBe(50);
  });

  it('records the rate with the owned shards, before any change', async () => {
    const t = telemetry();
    recordOwnedShards(t, ['emea'], {
      usersTracked: 1,
      requestBudget: 750,
      windowSeconds: 30,
      requestRate: { perSecond: 25, ceilingPerSecond: 25 },
    });
    expect(await valueOf(t.metrics, 'presence_graph_request_rate_limit')).toBe(25);
  });
});
