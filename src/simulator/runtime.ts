/**
 * The simulator's mutable state and the contexts its routes read: population, directory, churn, recorder, faults,
 * tokens, registered clients and the token-signing key, built once per server from the resolved options.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createBudget, ResourceUnitBucket, type RequestBudget } from './budget.js';
import { Churn } from './churn.js';
import { DeltaTokenCodec } from './delta-tokens.js';
import type { Directory } from './directory.js';
import { DirectoryChurn } from './directory-churn.js';
import { buildDirectory } from './directory-layout.js';
import { resourceUnitsForTenant, type DirectoryFaults } from './directory-options.js';
import type { DirectoryContext } from './graph-directory.js';
import { ClientRegistry, publicKeyFromPem } from './clients.js';
import type { EntraContext } from './entra.js';
import type { PresenceContext } from './graph-presence.js';
import type { ResolvedSimulatorOptions, SimulatorFaults } from './options.js';
import { createCatalog, PRESENCE_UNKNOWN_KEY } from './presence-catalog.js';
import { DuplicateFilter } from './presence-response.js';
import { PresenceStore } from './presence-store.js';
import { createRandom, type Random } from './random.js';
import { Recorder } from './recording.js';
import { TokenAuthority } from './tokens.js';

export interface Runtime {
  options: ResolvedSimulatorOptions;
  store: PresenceStore;
  churn: Churn;
  directory: Directory;
  directoryChurn: DirectoryChurn;
  directoryFaults: DirectoryFaults;
  /** Directory state tokens; `expireAll` invalidates every delta link issued so far. */
  deltaTokens: DeltaTokenCodec;
  recorder: Recorder;
  faults: SimulatorFaults;
  faultRandom: Random;
  tokens: TokenAuthority;
  clients: ClientRegistry;
  signing: SigningKey;
  pendingTimers: Set<NodeJS.Timeout>;
  /** Set once the port is known, since every URL the routes hand out contains it. */
  routes?: { entra: EntraContext; presence: PresenceContext; directory: DirectoryContext };
}

export function createRuntime(options: ResolvedSimulatorOptions): Runtime {
  const random = createRandom(options.seed);
  const recorder = new Recorder(options.maxRecordedRequests, options.recordServedPresences);
  const store = new PresenceStore(
    options.userCount,
    options.seed,
    createCatalog(),
    random,
    Math.floor(Date.now() / 1000),
    recorder.changes,
  );
  const signing = createSigningKey();
  const unknown = store.catalog.states.mustIndex(PRESENCE_UNKNOWN_KEY);
  // Users Teams reports as PresenceUnknown at start are the ones without a Teams licence in the directory.
  const directory = buildDirectory(
    options.directory,
    options.userCount,
    options.seed,
    (i) => store.state[i] === unknown,
  );
  const { directory: directoryOptions } = options;
  return {
    options,
    store,
    churn: new Churn(store, options.changesPerMinuteShare, random, options.autoChurn, performance.now()),
    directory,
    directoryChurn: new DirectoryChurn(
      directory,
      directoryOptions.changesPerMinute,
      options.autoChurn,
      directoryOptions.changeWeights,
      createRandom(options.seed ^ 0x1b873593),
      directoryOptions.guestShare,
      performance.now(),
    ),
    directoryFaults: directoryOptions.faults,
    deltaTokens: new DeltaTokenCodec(directoryOptions.deltaLinkLifetimeSeconds * 1000),
    recorder,
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

export function entraContext(runtime: Runtime, origin: string, host: string): EntraContext {
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

export function presenceContext(runtime: Runtime, origin: string): PresenceContext {
  const budgets = new Map<string, RequestBudget>();
  const { budget } = runtime.options;
  return {
    origin,
    duplicates: new DuplicateFilter(runtime.store.count),
    seed: runtime.options.seed,
    store: runtime.store,
    inDirectory: (index) => runtime.directory.users.exists(index),
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

export function directoryContext(runtime: Runtime, origin: string): DirectoryContext {
  const buckets = new Map<string, ResourceUnitBucket>();
  const { budget } = runtime.options.directory;
  // The tenant size that sets Graph's budget is the directory's at start.
  const units =
    budget.resourceUnits ?? resourceUnitsForTenant(runtime.options.directory.initialUsers ?? runtime.store.count);
  return {
    origin,
    tenantId: runtime.options.tenantId,
    tokens: runtime.tokens,
    directory: runtime.directory,
    codec: runtime.deltaTokens,
    options: runtime.options.directory,
    faults: () => runtime.directoryFaults,
    random: createRandom(runtime.options.seed ^ 0x27d4eb2f),
    // Per app per tenant, like presence's budget, but its own: directory reads never spend presence's.
    budgetFor(clientId) {
      const key = clientId.toLowerCase();
      let found = buckets.get(key);
      if (found === undefined) {
        found = new ResourceUnitBucket(units, budget.windowSeconds * 1000);
        buckets.set(key, found);
      }
      return found;
    },
  };
}
