/**
 * The one way dev tools and tests pick a port: ask the OS for an ephemeral one and release it at once. Another
 * process may take it before the caller binds it; callers that own the bind (the local broker) retry on a clash.
 */
import { createServer } from 'node:net';
import { DevToolError } from './errors.js';

export interface FreePortOptions {
  /** Interface to probe on. Default loopback, so that nothing is exposed off the machine. */
  host?: string;
  /** Ports that must not be returned (already given to another listener of the same service). */
  avoid?: Iterable<number>;
}

/** Gives up after this many picks that all landed in `avoid`: the OS cycles ephemeral ports, so it never happens. */
const MAX_PICKS = 50;

export async function freePort(options: FreePortOptions = {}): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const avoid = new Set(options.avoid ?? []);
  for (let pick = 0; pick < MAX_PICKS; pick += 1) {
    const port = await ephemeralPort(host);
    if (!avoid.has(port)) return port;
  }
  throw new DevToolError('NO_FREE_PORT', `No free port on ${host} outside ${[...avoid].join(',')}`, {
    details: { host },
  });
}

/** `count` distinct free ports, for a service with several listeners. */
export async function freePorts(count: number, options: FreePortOptions = {}): Promise<number[]> {
  const taken = new Set(options.avoid ?? []);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort({ ...options, avoid: taken });
    taken.add(port);
    ports.push(port);
  }
  return ports;
}

function ephemeralPort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    // A probe that is still closing must not keep a script alive.
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() =>
        port > 0 ? resolvePort(port) : reject(new DevToolError('NO_FREE_PORT', `The OS assigned no port on ${host}`)),
      );
    });
  });
}
