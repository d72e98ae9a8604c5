import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the connector exports, in Prometheus naming conventions (unit suffixes, _total counters). */
export class ConnectorMetrics {
  readonly registry = new Registry();

  readonly graphRequests = new Counter({
    name: 'presence_graph_requests_total',
    help: 'getPresencesByUserId requests by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly graphRequestDuration = new Histogram({
    name: 'presence_graph_request_duration_seconds',
    help: 'Latency of getPresencesByUserId requests',
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly graphThrottled = new Counter({
    name: 'presence_graph_throttled_total',
    help: 'Responses that carried Retry-After (429, 503, 504)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly graphRetryAfterWait = new Counter({
    name: 'presence_graph_retry_after_wait_seconds_total',
    help: 'Time the tenant was paused because Graph asked for it with Retry-After',
    registers: [this.registry],
  });
  readonly graphRequestRateLimit = new Gauge({
    name: 'presence_graph_request_rate_limit',
    help: "Requests per second this worker allows itself: its share of graph.requestBudget, or less while it learned from Graph's 429s that Graph grants less (graph.requestBudget.adaptive)",
    registers: [this.registry],
  });
  readonly graphRequestRateShare = new Gauge({
    name: 'presence_graph_request_rate_share',
    help: "This worker's share of graph.requestBudget, in requests per second: the ceiling of presence_graph_request_rate_limit",
    registers: [this.registry],
  });
  readonly graphRetries = new Counter({
    name: 'presence_graph_retries_total',
    help: 'Requests retried after a backoff, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly batchFailures = new Counter({
    name: 'presence_batch_failures_total',
    help: 'Batches that failed after retries and wait for the next cycle, by error code',
    labelNames: ['shard', 'code'] as const,
    registers: [this.registry],
  });
  readonly cycleDuration = new Histogram({
    name: 'presence_cycle_duration_seconds',
    help: 'Duration of one poll cycle of a shard',
    labelNames: ['shard'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly shardLag = new Gauge({
    name: 'presence_shard_schedule_lag_seconds',
    help: 'How late the last cycle of a shard started relative to its schedule',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter({
    name: 'presence_events_published_total',
    help: 'Presence events acknowledged by Kafka, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly presencesDropped = new Counter({
    name: 'presence_dropped_total',
    help: 'Presences not published, by reason (duplicate, stale)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly missingIds = new Counter({
    name: 'presence_missing_ids_total',
    help: 'Requested ids absent from a 200 response (unknown users, users without presence)',
    registers: [this.registry],
  });
  readonly quarantinedIds = new Gauge({
    name: 'presence_quarantined_ids',
    help: 'Ids Graph rejected alone with a 400; no longer requested',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });
  readonly usersTracked = new Gauge({
    name: 'presence_users_tracked',
    help: 'Users whose last acknowledged presence the connector holds',
    registers: [this.registry],
  });
  readonly kafkaSendErrors = new Counter({
    name: 'presence_kafka_send_errors_total',
    help: 'Failed Kafka sends (each is retried with a new producer)',
    registers: [this.registry],
  });
  readonly kafkaPublishDuration = new Histogram({
    name: 'presence_kafka_publish_duration_seconds',
    help: 'Time from send to acknowledgement of one batch of events',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly kafkaTransactions = new Counter({
    name: 'presence_kafka_transactions_total',
    help: 'Kafka transactions by outcome (committed, aborted)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly kafkaFenced = new Counter({
    name: 'presence_kafka_fenced_total',
    help: 'Shards given up because another producer with their transactional id took over',
    registers: [this.registry],
  });
  readonly shardsOwned = new Gauge({
    name: 'presence_shards_owned',
    help: 'Shards this worker polls',
    registers: [this.registry],
  });

  /** confirmedAt of each shard's last complete cycle; the age gauge reads it at scrape time. */
  private readonly confirmedAt = new Map<string, number>();
  readonly watermarkAge = new Gauge({
    name: 'presence_shard_watermark_age_seconds',
    help: "Seconds since the start of the shard's last complete cycle (its freshness watermark): alert when it grows past a few polling intervals",
    labelNames: ['shard'] as const,
    registers: [this.registry],
    collect: () => this.collectWatermarkAges(),
  });
  readonly watermarkTimestamp = new Gauge({
    name: 'presence_shard_watermark_timestamp_seconds',
    help: "The shard's freshness watermark: every user it confirmed was current as of this time (Unix seconds)",
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  readonly discoveryRounds = new Counter({
    name: 'presence_discovery_rounds_total',
    help: 'Discovery rounds run by this worker: full (the whole directory read), incremental (delta), failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly discoveryRoundDuration = new Gauge({
    name: 'presence_discovery_last_round_duration_seconds',
    help: 'How long the last discovery round of this worker took',
    registers: [this.registry],
  });
  readonly discoveryWatchedUsers = new Gauge({
    name: 'presence_discovery_watched_users',
    help: 'Users in the discovered shards (all of them, not only the shards this worker polls)',
    registers: [this.registry],
  });
  readonly discoveryLeading = new Gauge({
    name: 'presence_discovery_leading',
    help: '1 when this worker runs the discovery rounds (it owns the first discovered shard), else 0',
    registers: [this.registry],
  });

  readonly graphSignInFailures = new Counter({
    name: 'presence_graph_sign_in_failures_total',
    help: 'Sign-in attempts at Entra ID that failed, by reason (wrong-secret, expired-secret, wrong-tenant, app-not-found, consent-missing, certificate-rejected, endpoint-unreachable, entra-unavailable, throttled, bad-answer, rejected); calls refused during the backoff are not attempts',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly graphSignInOk = new Gauge({
    name: 'presence_graph_sign_in_ok',
    help: '1 once a sign-in at Entra ID succeeded and until one fails, 0 while sign-in fails (and before the first sign-in)',
    registers: [this.registry],
  });
  readonly sequenceResets = new Counter({
    name: 'presence_sequence_resets_total',
    help: 'Users whose sequenceNumber stayed below the last published one across several polls with a different presence: accepted as a change (the numbers restarted)',
    registers: [this.registry],
  });

  constructor(options: { collectProcessMetrics?: boolean; now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
    if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'presence_' });
  }

  recordWatermark(shard: string, confirmedAt: number): void {
    this.confirmedAt.set(shard, confirmedAt);
    this.watermarkTimestamp.set({ shard }, confirmedAt / 1000);
  }

  /** Forgets the watermarks of shards this worker no longer polls: their age is their new owner's to report. */
  forgetWatermarksExcept(owned: readonly string[]): void {
    for (const shard of [...this.confirmedAt.keys()]) {
      if (owned.includes(shard)) continue;
      this.confirmedAt.delete(shard);
      this.watermarkAge.remove({ shard });
      this.watermarkTimestamp.remove({ shard });
    }
  }

  private readonly now: () => number;

  private collectWatermarkAges(): void {
    for (const [shard, confirmedAt] of this.confirmedAt) {
      this.watermarkAge.set({ shard }, Math.max(0, this.now() - confirmedAt) / 1000);
    }
  }
}
