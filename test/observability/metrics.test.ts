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
});
