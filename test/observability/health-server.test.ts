import { networkInterfaces } from 'node:os';
import { Registry, Counter } from 'prom-client';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer, type HealthStatus } from '../../src/observability/index.js';

describe('health server', () => {
  const registry = new Registry();
  new Counter({ name: 'test_requests_total', help: 'test counter', registers: [registry] }).inc(4);
  let status: HealthStatus = { live: true, ready: false, reasons: ['no shards yet'] };
  let server: HealthServer;
  const get = async (path: string): Promise<{ status: number; type: string; body: string }> => {
    const response = await request(`http://127.0.0.1:${server.port}${path}`);
    return {
      status: response.statusCode,
      type: String(response.headers['content-type']),
      body: await response.body.text(),
    };
  };

  beforeAll(async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, status: () => status });
  });
  afterAll(() => server.close());

  it('serves the registry as Prometheus text on /metrics', async () => {
    const metrics = await get('/metrics?x=1');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe(registry.contentType);
    expect(metrics.body).toContain('test_requests_total 4');
  });

  it('answers /healthz by liveness and /readyz by readiness, with the reasons', async () => {
    expect(server.port).toBeGreaterThan(0);
    const live = await get('/healthz');
    expect([live.status, JSON.parse(live.body)]).toEqual([
      200,
      { status: 'ok', live: true, ready: false, reasons: ['no shards yet'] },
    ]);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toMatchObject({ status: 'unavailable', reasons: ['no shards yet'] });
    status = { live: false, ready: true, reasons: [] };
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(503);
    expect(await get('/other')).toMatchObject({ status: 404, body: 'not found' });
  });

  it('reports a port in use when starting', async () => {
    await expect(
      startHealthServer({ port: server.port, host: '127.0.0.1', registry, status: () => status }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

/** An IPv4 address of this machine other than loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;
}

describe('health server address', () => {
  const registry = new Registry();
  const status = (): HealthStatus => ({ live: true, ready: true, reasons: [] });

  it('listens on 127.0.0.1 only when told so', async () => {
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, status });
    try {
      expect(server.host).toBe('127.0.0.1');
      expect((await request(`http://127.0.0.1:${server.port}/healthz`)).statusCode).toBe(200);
      const outside = outsideAddress();
      if (outside !== undefined) {
        await expect(request(`http://${outside}:${server.port}/healthz`)).rejects.toMatchObject({
          code: 'ECONNREFUSED',
        });
      }
    } finally {
      await server.close();
    }
  });

  it('listens on every IPv4 interface by default', async () => {
    const server = await startHealthServer({ port: 0, registry, status });
    try {
      expect(server.host).toBe('0.0.0.0');
      const outside = outsideAddress() ?? '127.0.0.1';
      expect((await request(`http://${outside}:${server.port}/readyz`)).statusCode).toBe(200);
    } finally {
      await server.close();
    }
  });
});
