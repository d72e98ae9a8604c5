import { rootCertificates } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';

export interface HttpDispatcherOptions {
  /** Extra trusted CA certificates (PEM), added to Node's default roots: corporate TLS inspection, the simulator. */
  extraCaPem?: string;
  /** Upper bound on sockets per origin: Graph concurrency plus headroom for the token calls. */
  connectionsPerOrigin: number;
}

/**
 * The one HTTP stack of the connector: the token calls (MSAL) and the Graph calls share it, so a CA bundle
 * applies to both and connections are pooled once.
 */
export function createHttpDispatcher(options: HttpDispatcherOptions): Dispatcher {
  // Passing `ca` replaces Node's trust store, so the default roots are added back explicitly.
  const ca = options.extraCaPem === undefined ? undefined : [...rootCertificates, options.extraCaPem];
  return new Agent({
    connections: options.connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    connect: ca === undefined ? {} : { ca },
  });
}
