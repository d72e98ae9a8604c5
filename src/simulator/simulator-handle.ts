/** The `GraphSimulator` handle a caller drives: addresses, population and directory controls, faults, tokens, shutdown. */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { directoryHandle, type SimulatedDirectory } from './directory-handle.js';
import { mergeFaults, type SimulatorFaults } from './options.js';
import { presenceJson } from './presence-json.js';
import { createRandom } from './random.js';
import type { TokenEndpointFaults } from './token-faults.js';
import type { PresencePatch } from './presence-store.js';
import type { SimulatorRecording } from './recording.js';
import type { Runtime } from './runtime.js';
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
  /** The main client's current secret (a new one after `rotateClientSecret`). */
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
  /**
   * Restarts each user's sequence numbers far below the current ones (a service migration): the presence stays,
   * its number drops to 1, and later changes continue 2, 3, ...
   */
  resetSequenceNumbers(users: ReadonlyArray<number | string>): void;
  /** The user's current presence as the endpoint would serve it without faults. */
  getPresence(user: number | string): GraphPresence;
  /** Applies `minutes` (default 1) worth of churn at the configured share now; returns how many users changed. */
  tick(minutes?: number): number;
  /** The token endpoint's faults (throttling, server errors, slow or spoilt answers). */
  tokenFaults(): TokenEndpointFaults;
  /** Merges into the token faults; throws SIMULATOR_INVALID_OPTIONS (and changes nothing) if the result is invalid. */
  setTokenFaults(change: Partial<TokenEndpointFaults>): void;
  /**
   * Replaces the main client's secret (with `secret`, or a new random one, which it returns), as deleting the old
   * secret of an app registration does: the old one then answers 401 invalid_client (AADSTS7000215). Tokens already
   * issued stay valid until they expire, as in Entra ID.
   */
  rotateClientSecret(secret?: string): string;
  /** Invalidates every access token issued so far (Graph answers 401); new tokens work. */
  revokeTokens(): void;
  /** The access tokens issued so far (read-only copy), e.g. to prove that none of them reached a log. */
  issuedTokens(): string[];
  /** The Entra ID directory: users' attributes, groups, changes over time, delta link expiry, directory faults. */
  readonly directory: SimulatedDirectory;
  close(): Promise<void>;
}

export interface Addresses {
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

export function simulatorHandle(runtime: Runtime, server: Server, addresses: Addresses): GraphSimulator {
  const { options, store, recorder } = runtime;
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);
  let closing: Promise<void> | undefined;
  // The token endpoint's faults start as configured, drawn from a random source of their own.
  runtime.tokens.endpointFaults.configure(options.tokenFaults, createRandom(options.seed ^ 0x68e31da4));
  const rotation = secretRotation(runtime);
  return {
    graphUrl: addresses.origin,
    authorityUrl: `${addresses.origin}/${options.tenantId}`,
    authorityHost: addresses.authorityHost,
    tenantId: options.tenantId,
    clientId: options.clientId,
    get clientSecret() {
      return rotation.current();
    },
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
    resetSequenceNumbers: (users) => {
      for (const index of users.map((user) => resolveUser(runtime, user))) store.restartSequence(index);
    },
    getPresence: (user) => {
      const index = resolveUser(runtime, user);
      return JSON.parse(presenceJson(store, index, userIdAt(index, options.seed))) as GraphPresence;
    },
    tick: (minutes = 1) => runtime.churn.tick(minutes, nowSeconds()),
    tokenFaults: () => structuredClone(runtime.tokens.endpointFaults.faults),
    setTokenFaults: (change) => runtime.tokens.endpointFaults.change(change),
    rotateClientSecret: (secret) => rotation.rotate(secret),
    revokeTokens: () => runtime.tokens.revokeAll(),
    issuedTokens: () => runtime.tokens.issuedTokens(),
    directory: directoryHandle(runtime),
    close: () => (closing ??= closeServer(runtime, server)),
  };
}

/** The main client's secret, replaced in the registry that the token endpoint checks secrets against. */
function secretRotation(runtime: Runtime): { current(): string; rotate(secret?: string): string } {
  const client = runtime.clients.find(runtime.options.clientId);
  let current = runtime.options.clientSecret;
  return {
    current: () => current,
    rotate: (secret) => {
      const next = secret ?? `simulator~${randomBytes(24).toString('base64url')}`;
      if (next === '')
        throw new ConnectorError(ErrorCodes.SIMULATOR_INVALID_OPTIONS, 'A client secret must not be empty');
      // Registered at start from the same options, so always found.
      if (client !== undefined) client.secret = next;
      current = next;
      return next;
    },
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
