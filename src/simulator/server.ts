/**
 * Starts the simulator: one HTTP(S) server whose requests go to routing.ts, over the state built in runtime.ts,
 * driven through the handle of simulator-handle.ts.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { resolveSimulatorOptions, type GraphSimulatorOptions } from './options.js';
import { route } from './routing.js';
import { createRuntime, directoryContext, entraContext, presenceContext } from './runtime.js';
import { simulatorHandle, type GraphSimulator } from './simulator-handle.js';
import { generateTlsMaterial } from './tls.js';

export type { GraphPresence, GraphSimulator } from './simulator-handle.js';

export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const resolved = resolveSimulatorOptions(options);
  const tls = resolved.tlsCertificate ?? (await generateTlsMaterial(resolved.host));
  const runtime = createRuntime(resolved);
  const server = resolved.tls
    ? createHttpsServer(
        { key: tls.keyPem, cert: tls.certPem },
        (request, response) => void route(runtime, request, response),
      )
    : createHttpServer((request, response) => void route(runtime, request, response));
  // Benchmarks hold many keep-alive connections; Node's 5 s default would make idle ones reconnect constantly.
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, resolved.port, resolved.host);
  const authorityHost = `${hostForUrl(resolved.host)}:${port}`;
  const origin = `${resolved.tls ? 'https' : 'http'}://${authorityHost}`;
  runtime.routes = {
    entra: entraContext(runtime, origin, authorityHost),
    presence: presenceContext(runtime, origin),
    directory: directoryContext(runtime, origin),
  };
  return simulatorHandle(runtime, server, { origin, authorityHost, caCertificatePem: tls.certPem });
}

/** A wildcard bind address is no address to connect to (nor in the certificate): advertise loopback instead. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        new ConnectorError(
          ErrorCodes.SIMULATOR_INVALID_OPTIONS,
          `Graph simulator cannot listen on ${host}:${port}: ${error.message}`,
          {
            cause: error,
            details: { host, port },
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
