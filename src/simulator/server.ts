/**
 * Wires the simulator together: one HTTP(S) server, the Entra ID routes, the Graph presence route, the population,
 * the request budgets and the recorder.
 */
import { generateKeyPairSync, createHash, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { createBudget, type RequestBudget } from './budget.js';
import { Churn } from './churn.js';
import { ClientRegistry, publicKeyFromPem } from './clients.js';
import {
  instanceDiscovery,
  isKnownTenant,
  openIdConfiguration,
  signingKeys,
  tokenEndpoint,
  unknownTenant,
  type EntraContext,
} from './entra.js';
import { DuplicateFilter, handlePresence, type PresenceClock, type PresenceContext } from './graph-presence.js';
import { BodyTooLargeError, graphError, readBody, requestIds, send, type Reply } from './http-util.js';
import {
  mergeFaults,
  resolveSimulatorOptions,
  type GraphSimulatorOptions,
  type ResolvedSimulatorOptions,
  type SimulatorFaults,
} from './options.js';
import { createCatalog } from './presence-catalog.js';
import { presenceJson } from './presence-json.js';
import { PresenceStore, type PresencePatch } from './presence-store.js';
import { createRandom, normalDraw, type Random } from './random.js';
import { Recorder, type SimulatorRoute, type SimulatorRecording } from './recording.js';
import { generateTlsMaterial } from './tls.js';
import { TokenAuthority } from './tokens.js';
import { userIdAt, userIdList, userIndexOf } from './user-ids.js';

/** A presence as Graph serialises it (what the simulator serves). */
export interface GraphPresence {
  id: string;
  availability: string;
  activity: string;
  statusMessage: {
    message: { content: string; contentType: string };
    /** Absent with `faults.statusMessageDates: 'absent'`. */
    publishedDateTime?: string;
    expiryDateTime?: { dateTime: string; timeZone: string };
  } | null;
  outOfOfficeSettings: { message: string | null; isOutOfOffice: boolean } | null;
  sequenceNumber?: string | null;
  workLocation: { workLocationType: string; source: string; placeId: string | null } | null;
}

export interface GraphSimulator {
  /** Graph base URL without version, e.g. `https://127.0.0.1:PORT`. */
  readonly graphUrl: string;
  /** MSAL `auth.authority`: `https://127.0.0.1:PORT/<tenantId>`. */
  readonly authorityUrl: string;
  /** For MSAL `auth.knownAuthorities`: `127.0.0.1:PORT`. */
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The self-signed certificate to trust (also for `http`, so callers need no special case). */
  readonly caCertificatePem: string;
  readonly userCount: number;
  /** Ids of all users, in index order. Allocates one string per user. */
  userIds(): string[];
  userIdAt(index: number): string;
  readonly recording: SimulatorRecording;
  resetRecording(): void;
  faults(): SimulatorFaults;
  /** Merges into the current faults; throws SIMULATOR_INVALID_OPTIONS (and changes nothing) if the result is invalid. */
  setFaults(change: Partial<SimulatorFaults>): void;
  /** Gives each user (by index or id) one random plausible change and a new sequence number. */
  changeUsers(users: ReadonlyArray<number | string>): void;
  /** Sets fields of one user's presence and gives it a new sequence number. */
  setPresence(user: number | string, patch: PresencePatch): void;
  /** The user's current presence as the endpoint would serve it without faults. */
  getPresence(user: number | string): GraphPresence;
  /** Applies `minutes` (default 1) worth of churn at the configured share now; returns how many users changed. */
  tick(minutes?: number): number;
  /** Invalidates every access token issued so far (Graph answers 401); new tokens work. */
  revokeTokens(): void;
  /** The access tokens issued so far (read-only copy), e.g. to prove that none of them reached a log. */
  issuedTokens(): string[];
  close(): Promise<void>;
}

interface Runtime {
  options: ResolvedSimulatorOptions;
  store: PresenceStore;
  churn: Churn;
  recorder: Recorder;
  faults: SimulatorFaults;
  faultRandom: Random;
  tokens: TokenAuthority;
  clients: ClientRegistry;
  signing: SigningKey;
  pendingTimers: Set<NodeJS.Timeout>;
  /** Set once the port is known, since every URL the routes hand out contains it. */
  routes?: { entra: EntraContext; presence: PresenceContext };
}

const PRESENCE_PATH = /^\/(v1\.0|beta)\/communications\/getpresencesbyuserid\/?$/;
const TENANT_PATH =
  /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/;

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
  runtime.routes = { entra: entraContext(runtime, origin, authorityHost), presence: presenceContext(runtime, origin) };
  return simulatorHandle(runtime, server, { origin, authorityHost, caCertificatePem: tls.certPem });
}

/** A wildcard bind address is no address to connect to (nor in the certificate): advertise loopback instead. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function createRuntime(options: ResolvedSimulatorOptions): Runtime {
  const random = createRandom(options.seed);
  const store = new PresenceStore(
    options.userCount,
    options.seed,
    createCatalog(),
    random,
    Math.floor(Date.now() / 1000),
  );
  const signing = createSigningKey();
  return {
    options,
    store,
    churn: new Churn(store, options.changesPerMinuteShare, random, options.autoChurn, performance.now()),
    recorder: new Recorder(options.maxRecordedRequests, options.recordServedPresences),
    faults: options.faults,
    faultRandom: createRandom(options.seed ^ 0x5bd1e995),
    tokens: new TokenAuthority(options.tokenFormat, signing.privateKey, signing.keyId),
    clients: registerClients(options),
    signing,
    pendingTimers: new Set(),
  };
}

function registerClients(options: ResolvedSimulatorOptions): ClientRegistry {
  const registry = new ClientRegistry();
  registry.register({
    clientId: options.clientId,
    secret: options.clientSecret,
    assertionKey:
      options.clientCertificatePem === undefined
        ? null
        : publicKeyFromPem(options.clientCertificatePem, 'options.clientCertificatePem'),
    hasPresencePermission: options.hasPresencePermission,
  });
  options.additionalClients.forEach((client, i) => {
    registry.register({
      clientId: client.clientId,
      secret: client.clientSecret ?? null,
      assertionKey:
        client.certificatePem === undefined
          ? null
          : publicKeyFromPem(client.certificatePem, `options.additionalClients.${i}.certificatePem`),
      hasPresencePermission: client.hasPresencePermission,
    });
  });
  return registry;
}

interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** Tokens are signed with their own EC key, independent of the TLS key (which a caller may supply as RSA). */
function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, keyId: createHash('sha256').update(der).digest('base64url').slice(0, 27) };
}

function entraContext(runtime: Runtime, origin: string, host: string): EntraContext {
  const { signing } = runtime;
  const jwk = signing.publicKey.export({ format: 'jwk' });
  return {
    origin,
    host,
    tenantId: runtime.options.tenantId,
    clients: runtime.clients,
    tokens: runtime.tokens,
    tokenLifetimeSeconds: runtime.options.tokenLifetimeSeconds,
    jwks: {
      keys: [
        { ...jwk, use: 'sig', alg: 'ES256', kid: signing.keyId, issuer: `${origin}/${runtime.options.tenantId}/v2.0` },
      ],
    },
  };
}

function presenceContext(runtime: Runtime, origin: string): PresenceContext {
  const budgets = new Map<string, RequestBudget>();
  const { budget } = runtime.options;
  return {
    origin,
    duplicates: new DuplicateFilter(runtime.store.count),
    seed: runtime.options.seed,
    store: runtime.store,
    tokens: runtime.tokens,
    clients: runtime.clients,
    budgetOptions: budget,
    // One tenant per simulator, so "per app per tenant" is per client id.
    budgetFor(clientId) {
      const key = clientId.toLowerCase();
      let found = budgets.get(key);
      if (found === undefined) {
        found = createBudget(budget.requests, budget.windowSeconds * 1000, budget.window);
        budgets.set(key, found);
      }
      return found;
    },
    faults: () => runtime.faults,
    random: runtime.faultRandom,
    recorder: runtime.recorder,
  };
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

interface Routed {
  route: SimulatorRoute;
  reply: Reply;
  clientId: string | null;
  idsCount: number;
  presencesServed: number;
  fault: string | null;
  latencyMs: number;
}

async function route(runtime: Runtime, request: IncomingMessage, response: ServerResponse): Promise<void> {
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
  return { route, reply, clientId, idsCount: 0, presencesServed: 0, fault: null, latencyMs: 0 };
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
    return presenceRoute(runtime, presence, request, body, presencePath[1] ?? 'v1.0', { monotonicMs, wallMs });
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
  return { route: 'presence', ...result, latencyMs: sampleLatency(runtime) };
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
  return plain('token', outcome.reply, outcome.clientId);
}

function sampleLatency(runtime: Runtime): number {
  const latency = runtime.faults.latency;
  if (latency === null) return 0;
  switch (latency.kind) {
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return latency.minMs + runtime.faultRandom() * (latency.maxMs - latency.minMs);
    case 'normal':
      return Math.max(0, normalDraw(runtime.faultRandom, latency.meanMs, latency.stdDevMs));
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

interface Addresses {
  origin: string;
  authorityHost: string;
  caCertificatePem: string;
}

function resolveUser(runtime: Runtime, user: number | string): number {
  const { store, options } = runtime;
  const index = typeof user === 'number' ? user : userIndexOf(user.toLowerCase(), store.count, options.seed);
  if (!Number.isInteger(index) || index < 0 || index >= store.count) {
    throw new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, `Not a simulated user: ${String(user)}`, {
      details: { user },
    });
  }
  return index;
}

function simulatorHandle(runtime: Runtime, server: Server, addresses: Addresses): GraphSimulator {
  const { options, store, recorder } = runtime;
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);
  let closing: Promise<void> | undefined;
  return {
    graphUrl: addresses.origin,
    authorityUrl: `${addresses.origin}/${options.tenantId}`,
    authorityHost: addresses.authorityHost,
    tenantId: options.tenantId,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    caCertificatePem: addresses.caCertificatePem,
    userCount: store.count,
    userIds: () => userIdList(store.count, options.seed),
    userIdAt: (index) => userIdAt(resolveUser(runtime, index), options.seed),
    recording: recorder,
    resetRecording: () => recorder.reset(),
    faults: () => structuredClone(runtime.faults),
    setFaults: (change) => {
      runtime.faults = mergeFaults(runtime.faults, change);
    },
    changeUsers: (users) =>
      runtime.churn.changeUsers(
        users.map((user) => resolveUser(runtime, user)),
        nowSeconds(),
      ),
    setPresence: (user, patch) => store.patch(resolveUser(runtime, user), patch, nowSeconds()),
    getPresence: (user) => {
      const index = resolveUser(runtime, user);
      return JSON.parse(presenceJson(store, index, userIdAt(index, options.seed))) as GraphPresence;
    },
    tick: (minutes = 1) => runtime.churn.tick(minutes, nowSeconds()),
    revokeTokens: () => runtime.tokens.revokeAll(),
    issuedTokens: () => runtime.tokens.issuedTokens(),
    close: () => (closing ??= closeServer(runtime, server)),
  };
}

function closeServer(runtime: Runtime, server: Server): Promise<void> {
  for (const timer of runtime.pendingTimers) clearTimeout(timer);
  runtime.pendingTimers.clear();
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
