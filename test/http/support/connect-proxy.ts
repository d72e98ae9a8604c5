/**
 * A tiny forward proxy for tests: answers CONNECT by opening a TCP connection to the target and piping bytes both
 * ways (it never sees inside the TLS), and records every tunnel it opened. Plain requests are refused, so anything
 * that is not tunnelled shows up as a failure rather than passing unnoticed.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` or `https://localhost:PORT`. */
  readonly url: string;
  /** `host:port` of every tunnel asked for, in order (refused ones included). */
  readonly tunnels: string[];
  /** When true, every CONNECT is answered 403, as a proxy that forbids the destination would. */
  refuse: boolean;
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  /** Serve the proxy itself over TLS with this certificate (an https:// proxy). */
  tls?: { certPem: string; keyPem: string };
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const server: Server =
    options.tls === undefined
      ? createHttpServer()
      : createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem });
  const sockets = new Set<Duplex>();
  const proxy = { tunnels: [] as string[], refuse: false };
  server.on('request', (_request, response) => response.writeHead(405, { connection: 'close' }).end('tunnels only'));
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    const target = request.url ?? '';
    proxy.tunnels.push(target);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (proxy.refuse) {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    tunnel(target, client, head, sockets);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // An https proxy is reached by the name in its certificate.
  const url = options.tls === undefined ? `http://127.0.0.1:${port}` : `https://localhost:${port}`;
  return Object.assign(proxy, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

function tunnel(target: string, client: Duplex, head: Buffer, sockets: Set<Duplex>): void {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
  const upstream: Socket = connect(Number(target.slice(colon + 1)), host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
}
