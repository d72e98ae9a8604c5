/**
 * Microsoft Graph presence simulator: a local HTTPS server speaking the Entra ID client-credentials flow and
 * `POST /{v1.0|beta}/communications/getPresencesByUserId`, with a churning population of up to 5 million users,
 * Graph's per-app request budget (429 with decimal Retry-After), and fault injection; plus the Entra ID directory
 * (`/users/delta`, `/groups/delta`, group member listings) with its own budget. For demos, benchmarks and
 * fault-injection tests of the connector.
 *
 * ```ts
 * const sim = await startGraphSimulator({ userCount: 100_000 });
 * // MSAL: authority sim.authorityUrl, knownAuthorities [sim.authorityHost], trust sim.caCertificatePem
 * // Graph: POST `${sim.graphUrl}/v1.0/communications/getPresencesByUserId`
 * await sim.close();
 * ```
 */
import { userIdAt as userIdAtSeed, userIdList } from './user-ids.js';

export { startGraphSimulator } from './server.js';
export type { GraphPresence, GraphSimulator } from './server.js';
import { DEFAULT_SEED } from './options.js';

export {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_SEED,
  DEFAULT_TENANT_ID,
  MAX_IDS_PER_REQUEST,
  MAX_USERS,
} from './options.js';
export type {
  BudgetOptions,
  GraphSimulatorOptions,
  LatencySpec,
  ServerErrorStatus,
  SimulatedClientOptions,
  SimulatorFaults,
} from './options.js';
export type { PresencePatch } from './presence-store.js';
export type { TokenEndpointFaults, TokenServerErrorStatus } from './token-faults.js';
export type {
  DeltaRoundCounters,
  DirectoryCounters,
  DirectoryRequestInfo,
  DirectoryRoute,
  RecordedRequest,
  RecordingCounters,
  ServedPresence,
  SimulatorRecording,
  SimulatorRoute,
} from './recording.js';
export { DIRECTORY_PERMISSIONS, SEVEN_DAYS_SECONDS } from './directory-options.js';
export type {
  DirectoryBudgetOptions,
  DirectoryChangeWeights,
  DirectoryFaults,
  DirectoryGroupLayout,
  DirectoryOptions,
  DirectoryOptionsInput,
  DirectoryPermission,
} from './directory-options.js';
export type { DirectoryUser, NewUserAttributes, SimulatedDirectory } from './directory-handle.js';
export type { UserState } from './directory-users.js';
export { parseSimulatorArgs, runSimulatorCli } from './cli.js';
export type { SimulatorCliOptions, SimulatorCliIo } from './cli.js';

/** Id of the user at `index` in a simulator started with `seed`, without starting one (e.g. to write a config). */
export function userIdAt(index: number, seed: number = DEFAULT_SEED): string {
  return userIdAtSeed(index, seed);
}

/** Ids of the first `count` users of a simulator started with `seed`. */
export function userIds(count: number, seed: number = DEFAULT_SEED): string[] {
  return userIdList(count, seed);
}
