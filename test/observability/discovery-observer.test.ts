import { describe, expect, it } from 'vitest';
import { ConnectorMetrics, createLogger, discoveryObserver, WorkerHealth } from '../../src/observability/index.js';

function telemetry() {
  const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });
  return { metrics: new ConnectorMetrics({ collectProcessMetrics: false }), health: new WorkerHealth(), logger };
}

async function valueOf(metrics: ConnectorMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([key, label]) => String(value.labels[key]) === label),
  );
  return sample?.value ?? Number.NaN;
}

const round = { changed: 3, entriesRead: 10, missingGroups: [], deltaLink: 'link', durationMs: 1500, watched: 42 };

describe('discoveryObserver', () => {
  it('counts rounds by kind, keeps the watched count and the last duration, and tells what depends on the set', async () => {
    const parts = telemetry();
    let changed = 0;
    const observer = discoveryObserver(parts, () => changed++);
    observer.onRound?.({ ...round, tenantRound: 'full' });
    observer.onRound?.({ ...round, tenantRound: 'incremental', watched: 40 });
    observer.onRound?.({ ...round, durationMs: 250 });
    observer.onFollowed?.({ records: 5, watched: 41 });
    expect(await valueOf(parts.metrics, 'presence_discovery_rounds_total', { outcome: 'full' })).toBe(2);
    expect(await valueOf(parts.metrics, 'presence_discovery_rounds_total', { outcome: 'incremental' })).toBe(1);
    expect(await valueOf(parts.metrics, 'presence_discovery_last_round_duration_seconds')).toBe(0.25);
    expect(await valueOf(parts.metrics, 'presence_discovery_watched_users')).toBe(41);
    expect(changed).toBe(4);
  });

  it('makes the worker unready while its rounds fail, and ready again after one succeeds or another worker leads', () => {
    const parts = telemetry();
    parts.health.recordSinkConnected();
    parts.health.recordOwnedShards([]);
    const observer = discoveryObserver(parts, () => undefined);
    observer.onLeading?.(true);
    observer.onRoundFailed?.({ error: new Error('403: grant User.Read.All'), retryInMs: 300_000 });
    expect(parts.health.status()).toMatchObject({
      ready: false,
      reasons: ['discovery failing: 403: grant User.Read.All'],
    });
    observer.onRound?.({ ...round, tenantRound: 'incremental' });
    expect(parts.health.status().ready).toBe(true);
    observer.onRoundFailed?.({ error: new Error('Graph 503'), retryInMs: 5_000 });
    observer.onLeading?.(false);
    expect(parts.health.status().ready).toBe(true);
  });

  it('exports whether this worker leads', async () => {
    const parts = telemetry();
    const observer = discoveryObserver(parts, () => undefined);
    observer.onLeading?.(true);
    expect(await valueOf(parts.metrics, 'presence_discovery_leading')).toBe(1);
    observer.onLeading?.(false);
    expect(await valueOf(parts.metrics, 'presence_discovery_leading')).toBe(0);
  });
});
