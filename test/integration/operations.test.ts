import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/support/index.js';
import { startHarness, type Harness } from '../support/connector-harness.js';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The value of one sample of the Prometheus text, e.g. sample(text, 'presence_users_tracked'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe('metrics and health endpoints during a real run', () => {
  it('serves Prometheus metrics that count what happened, and turns ready after the first clean cycle', async () => {
    const port = await freePort();
    harness = await startHarness({ userCount: 20, settings: { observability: { httpPort: port } } });
    const starting = harness.worker.start();
    await harness.read({ count: 20 });
    await starting;
    let ready = await get(port, '/readyz');
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      await sleep(100);
      ready = await get(port, '/readyz');
    }
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', ready: true, reasons: [] });
    expect((await get(port, '/healthz')).status).toBe(200);

    harness.simulator.changeUsers([3, 4]);
    await harness.read({ count: 22 });
    await harness.waitForRequests(1);
    const { status, body } = await get(port, '/metrics');
    expect(status).toBe(200);
    expect(sample(body, 'presence_events_published_total{kind="snapshot"}')).toBe(20);
    expect(sample(body, 'presence_events_published_total{kind="change"}')).toBe(2);
    expect(sample(body, 'presence_users_tracked')).toBe(20);
    expect(sample(body, 'presence_shards_owned')).toBe(1);
    expect(sample(body, 'presence_graph_requests_total{status="200"}')).toBeGreaterThanOrEqual(2);
    expect(sample(body, 'presence_dropped_total{reason="duplicate"}')).toBeGreaterThanOrEqual(18);
    expect(sample(body, 'presence_kafka_transactions_total{outcome="committed"}')).toBeGreaterThanOrEqual(2);
    expect(sample(body, 'presence_cycle_duration_seconds_count{shard="all"}')).toBeGreaterThanOrEqual(2);
    expect(body).toContain('presence_graph_request_duration_seconds_bucket');
    expect(body).toContain('presence_process_cpu_seconds_total');
    expect((await get(port, '/nothing')).status).toBe(404);
  });

  it('is not ready, and says why, while Graph refuses the app', async () => {
    const port = await freePort();
    harness = await startHarness({
      userCount: 5,
      simulator: { faults: { forbidden: true } },
      settings: { observability: { httpPort: port } },
    });
    await harness.worker.start();
    await harness.waitForRequests(1);
    await sleep(300);
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).reasons.join()).toMatch(/shard all stopped: GRAPH_FORBIDDEN/);
    // Every owned shard stopped for good: restarting the process is the operator's remedy, so liveness fails too.
    expect((await get(port, '/healthz')).status).toBe(503);
  });
});
