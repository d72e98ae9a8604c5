/**
 * Routing of every request: reads the body, dispatches by path and method to the Entra ID, Graph presence or
 * Graph directory handlers, applies injected latency, answers and records the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  instanceDiscovery,
  isKnownTenant,
  openIdConfiguration,
  signingKeys,
  tokenEndpoint,
  unknownTenant,
  type EntraContext,
} from './entra.js';
import { handleDirectory, matchDirectoryPath, type DirectoryRequestInfo } from './graph-directory.js';
import { handlePresence, type PresenceClock, type PresenceContext } from './graph-presence.js';
import { BodyTooLargeError, graphError, readBody, requestIds, send, type Reply } from './http-util.js';
import { normalDraw } from './random.js';
import type { SimulatorRoute } from './recording.js';
import type { Runtime } from './runtime.js';
import type { LatencySpec } from './options.js';

const PRESENCE_PATH = /^\/(v1\.0|beta)\/communications\/getpresencesbyuserid\/?$/;
const TENANT_PATH =
  /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

interface Routed {
  route: SimulatorRoute;
  reply: Reply;
  clientId: string | null;
  idsCount: number;
  presencesServed: number;
  fault: string | null;
  latencyMs: number;
  directory: DirectoryRequestInfo | null;
}

export async function route(runtime: Runtime, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const atMonotonicMs = performance.now();
  const atWallMs = Date.now();
  let routed: Routed;
  try {
    const body = await readBody(request);
    routed = dispatch(runtime, request, body, atMonotonicMs, atWallMs);
  } catch (error) {
    routed = failed(request, error, atWallMs);
  }
  if (routed.latencyMs > 0) await delay(runtime, routed.latencyMs);
  send(response, routed.reply);
  runtime.recorder.request({
    route: routed.route,
    atMonotonicMs,
    atWallMs,
    durationMs: performance.now() - atMonotonicMs,
    status: routed.reply.status,
    retryAfter: routed.reply.headers['retry-after'] ?? null,
    clientId: routed.clientId,
    idsCount: routed.idsCount,
    presencesServed: routed.presencesServed,
    requestId: routed.reply.headers['request-id'] ?? routed.reply.headers['x-ms-request-id'] ?? '',
    fault: routed.fault,
    directory: routed.directory,
  });
}

function failed(request: IncomingMessage, error: unknown, nowMs: number): Routed {
  const ids = requestIds(request);
  const reply =
    error instanceof BodyTooLargeError
      ? graphError(413, 'RequestEntityTooLarge', 'The request body is too large.', ids, nowMs)
      : graphError(
          500,
          'UnknownError',
          `Simulator failure: ${error instanceof Error ? error.message : String(error)}`,
          ids,
          nowMs,
        );
  return plain('other', reply);
}

function plain(route: SimulatorRoute, reply: Reply, clientId: string | null = null): Routed {
  return { route, reply, clientId, idsCount: 0, presencesServed: 0, fault: null, latencyMs: 0, directory: null };
}

function dispatch(
  runtime: Runtime,
  request: IncomingMessage,
  body: string,
  monotonicMs: number,
  wallMs: number,
): Routed {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const lower = path.toLowerCase();
  const routes = runtime.routes;
  if (routes === undefined)
    return plain('other', graphError(503, 'ServiceNotAvailable', 'Starting.', requestIds(request), wallMs));
  const { entra, presence } = routes;
  const presencePath = PRESENCE_PATH.exec(lower);
  if (presencePath !== null && request.method === 'POST') {
    runtime.directoryChurn.advance(monotonicMs);
    return presenceRoute(runtime, presence, request, body, presencePath[1] ?? 'v1.0', { monotonicMs, wallMs });
  }
  const directoryPath = matchDirectoryPath(lower);
  if (directoryPath !== null) {
    // The directory moves on before it is read, as the population does before presence is.
    runtime.directoryChurn.advance(monotonicMs);
    const outcome = handleDirectory(routes.directory, request, directoryPath, { monotonicMs, wallMs });
    return {
      ...plain(directoryPath.route, outcome.reply, outcome.clientId),
      fault: outcome.fault,
      directory: outcome.info,
    };
  }
  if (lower === '/common/discovery/instance' && request.method === 'GET')
    return plain('instance-discovery', instanceDiscovery(entra));
  const tenantRoute = TENANT_PATH.exec(path);
  if (tenantRoute !== null)
    return tenantDispatch(entra, request, body, tenantRoute[1] ?? '', tenantRoute[2] ?? '', wallMs);
  const ids = requestIds(request);
  return plain('other', graphError(404, 'UnknownRoute', `No route for ${request.method ?? ''} ${path}`, ids, wallMs));
}

function presenceRoute(
  runtime: Runtime,
  context: PresenceContext,
  request: IncomingMessage,
  body: string,
  version: string,
  clock: PresenceClock,
): Routed {
  runtime.churn.advance(clock.monotonicMs, Math.floor(clock.wallMs / 1000));
  const result = handlePresence(context, request, body, version, clock);
  return { route: 'presence', ...result, latencyMs: sampleLatency(runtime), directory: null };
}

function tenantDispatch(
  entra: EntraContext,
  request: IncomingMessage,
  body: string,
  tenant: string,
  rest: string,
  nowMs: number,
): Routed {
  const routeName: SimulatorRoute = rest.endsWith('token')
    ? 'token'
    : rest.endsWith('keys')
      ? 'keys'
      : 'openid-configuration';
  const expectedMethod = routeName === 'token' ? 'POST' : 'GET';
  if (request.method !== expectedMethod) {
    return plain(routeName, graphError(405, 'MethodNotAllowed', `Use ${expectedMethod}.`, requestIds(request), nowMs));
  }
  if (!isKnownTenant(entra, tenant))
    return plain(routeName, unknownTenant(tenant, requestIds(request).clientRequestId, nowMs));
  if (routeName === 'keys') return plain(routeName, signingKeys(entra));
  if (routeName === 'openid-configuration') return plain(routeName, openIdConfiguration(entra));
  const outcome = tokenEndpoint(entra, request, body, nowMs);
  return { ...plain('token', outcome.reply, outcome.clientId), fault: outcome.fault, latencyMs: outcome.delayMs };
}

function sampleLatency(runtime: Runtime): number {
  return sampleLatencyMs(runtime.faults.latency, runtime.faultRandom);
}

/** The added latency of one response, in milliseconds: pure, so its bounds are tested without a clock. */
export function sampleLatencyMs(latency: LatencySpec | null, random: () => number): number {
  if (latency === null) return 0;
  switch (latency.kind) {
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return latency.minMs + random() * (latency.maxMs - latency.minMs);
    case 'normal':
      return Math.max(0, normalDraw(random, latency.meanMs, latency.stdDevMs));
  }
}

function delay(runtime: Runtime, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      runtime.pendingTimers.delete(timer);
      resolve();
    }, ms);
    runtime.pendingTimers.add(timer);
  });
}
