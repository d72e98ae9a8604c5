import { describe, expect, it } from 'vitest';
import { ConnectorMetrics } from '../../src/observability/index.js';

describe('ConnectorMetrics', () => {
  it('registers every metric under presence_ in its own registry, process metrics only when asked', async () => {
    const metrics = new ConnectorMetrics({ collectProcessMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toContain('presence_graph_requests_total');
    expect(names).toContain('presence_events_published_total');
    expect(names).toContain('presence_shards_owned');
    expect(names.every((name) => name.startsWith('presence_'))).toBe(true);
    expect(names).not.toContain('presence_process_cpu_user_seconds_total');
    const withProcess = new ConnectorMetrics();
    const all = (await withProcess.registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(all).toContain('presence_process_cpu_user_seconds_total');
    // Two instances do not share a registry (one per worker in tests).
    expect(withProcess.registry).not.toBe(metrics.registry);
  });

  it('counts with labels in the Prometheus text format', async () => {
    const metrics = new ConnectorMetrics({ collectProcessMetrics: false });
    metrics.graphRequests.inc({ status: '429' });
    metrics.graphRequests.inc({ status: '429' });
    metrics.eventsPublished.inc({ kind: 'CHANGE' }, 5);
    metrics.shardsOwned.set(3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('presence_graph_requests_total{status="429"} 2');
    expect(text).toContain('presence_events_published_total{kind="CHANGE"} 5');
    expect(text).toContain('presence_shards_owned 3');
  });

  it('reports each shard watermark as a timestamp and as its age at scrape time, by the injected clock', async () => {
    let now = 1_700_000_000_000;
    const metrics = new ConnectorMetrics({ collectProcessMetrics: false, now: () => now });
    let text = await metrics.registry.metrics();
    // No series before a shard completed a cycle.
    expect(text).not.toMatch(/presence_shard_watermark_age_seconds\{/);
    metrics.recordWatermark('emea', now - 30_000);
    metrics.recordWatermark('apac', now - 2_500);
    text = await metrics.registry.metrics();
    expect(text).toContain('presence_shard_watermark_age_seconds{shard="emea"} 30');
    expect(text).toContain('presence_shard_watermark_age_seconds{shard="apac"} 2.5');
    expect(text).toContain('presence_shard_watermark_timestamp_seconds{shard="emea"} 1699999970');
    // The age grows between scrapes without a new watermark, and drops with the next one.
    now += 60_000;
    text = await metrics.registry.metrics();
    expect(text).toContain('presence_shard_watermark_age_seconds{shard="emea"} 90');
    metrics.recordWatermark('emea', now - 1_000);
    text = await metrics.registry.metrics();
    expect(text).toContain('presence_shard_watermark_age_seconds{shard="emea"} 1');
    expect(text).toContain('presence_shard_watermark_age_seconds{shard="apac"} 62.5');
    expect(text).toContain('presence_shard_watermark_timestamp_seconds{shard="emea"} 1700000059');
  });

  it('reports an age of 0, never a negative one, for a watermark ahead of the clock', async () => {
    const metrics = new ConnectorMetrics({ collectProcessMetrics: false, now: () => 1_000_000 });
    metrics.recordWatermark('emea', 1_005_000);
    expect(await metrics.registry.metrics()).toContain('presence_shard_watermark_age_seconds{shard="emea"} 0');
  });
});
