import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthStatus {
  live: boolean;
  ready: boolean;
  /** Why the worker is not ready, for operators reading /readyz. */
  reasons: string[];
}

export interface HealthServer {
  /** The address it listens on, as bound (`0.0.0.0`, `127.0.0.1`, `::`). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Every IPv4 interface: what a container needs, since Kubernetes probes and Prometheus reach a pod by its IP. */
const DEFAULT_HTTP_HOST = '0.0.0.0';

/**
 * /metrics (Prometheus text), /healthz (liveness), /readyz (readiness): the endpoints Kubernetes probes expect.
 * `host` is the address to listen on (default every IPv4 interface); `127.0.0.1` keeps them to this machine.
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  status: () => HealthStatus;
}): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { 'content-type': options.registry.contentType });
          response.end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(`metrics failed: ${String(error)}`);
        });
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const status = options.status();
      const ok = path === '/healthz' ? status.live : status.ready;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', ...status }));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? DEFAULT_HTTP_HOST, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
