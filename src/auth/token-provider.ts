import type { Dispatcher } from 'undici';
import type { BackoffPolicy } from '../retry/index.js';
import { createMsalNetworkClient } from './msal-network-client.js';
import { MsalSignIn, type SignedIn } from './msal-sign-in.js';
import { SecretFile } from './secret-file.js';
import { SignInGate, type SignInObserver } from './sign-in-gate.js';

export type ClientCredential =
  | {
      kind: 'secret';
      clientSecret: string;
      /** The file the secret was read from (absolute): read again when Entra ID refuses the secret. */
      secretFile?: string;
    }
  | { kind: 'certificate'; privateKeyPem: string; thumbprintSha256: string; certificatePem?: string };

export interface TokenProviderOptions {
  tenantId: string;
  clientId: string;
  /** Authority host URL without the tenant, e.g. https://login.microsoftonline.com */
  authorityUrl: string;
  /** e.g. https://graph.microsoft.com/.default */
  scope: string;
  credential: ClientCredential;
  dispatcher: Dispatcher;
  /** Hosts MSAL may trust without Microsoft's instance discovery: custom clouds and the simulator. */
  trustAuthorityHost: boolean;
  /** Sign-in failures and recoveries, for logs, metrics and readiness. */
  observer?: SignInObserver;
  /** Between two sign-in attempts while sign-in fails; default SIGN_IN_BACKOFF (5 s doubling to 5 min). */
  signInBackoff?: BackoffPolicy;
  /** Per request to Entra ID; default 30 s. */
  requestTimeoutMs?: number;
  /** For tests: the clock and the jitter of the sign-in backoff. */
  now?: () => number;
  random?: () => number;
}

export interface TokenProvider {
  /** A bearer token for Graph; `forceRefresh` bypasses both caches once (after a 401). */
  getToken(forceRefresh?: boolean): Promise<string>;
}

/** MSAL's own margin: it asks Entra ID for a new token when the cached one expires within 5 minutes. */
const REFRESH_MARGIN_MS = 300_000;
/** A token this close to expiry is not handed out even while a refresh fails: Graph must still accept it. */
const USABLE_MARGIN_MS = 60_000;

interface CachedToken {
  token: string;
  /** From here on, MSAL is asked (and, being within its own margin, asks Entra ID). */
  refreshAt: number;
  /** Until here the token is still handed out when a refresh fails. */
  usableUntil: number;
}

/**
 * One long-lived sign-in, with the token kept here until a few minutes before it expires: every Graph request
 * asks for a token, and asking MSAL's cache each time cost 6 % of a no-change cycle. From MSAL's margin on, MSAL
 * fetches a new token in the background; until it comes (or should that fail) the old one is still handed out
 * while it has a minute left. While
 * sign-in fails, a {@link SignInGate} spaces the attempts out (honouring Retry-After) and hands every caller in
 * between the last attempt's error. A secret from a file is read again when refused (see MsalSignIn).
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const now = options.now ?? Date.now;
  const network = createMsalNetworkClient(options.dispatcher, options.requestTimeoutMs);
  const { credential } = options;
  const secretFile =
    credential.kind === 'secret' && credential.secretFile !== undefined
      ? new SecretFile(credential.secretFile, credential.clientSecret, now)
      : undefined;
  const msal = new MsalSignIn(options, network, secretFile);
  const gate = new SignInGate({
    ...(options.signInBackoff === undefined ? {} : { backoff: options.signInBackoff }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    now,
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  let cached: CachedToken | undefined;
  // A token Graph refused (401) stays refused: until a sign-in succeeds, every attempt bypasses MSAL's cache too,
  // which would otherwise hand the refused token out again after a failed forced refresh.
  let refused = false;
  const keep = (signedIn: SignedIn): string => {
    refused = false;
    const at = now();
    // Short-lived tokens (tests, soak runs) are refreshed at half their life instead.
    const margin = Math.min(REFRESH_MARGIN_MS, signedIn.lifetimeMs / 2);
    cached = {
      token: signedIn.accessToken,
      refreshAt: at + signedIn.lifetimeMs - margin,
      usableUntil: at + signedIn.lifetimeMs - Math.min(USABLE_MARGIN_MS, signedIn.lifetimeMs / 4),
    };
    return signedIn.accessToken;
  };
  const attempt = (forceRefresh: boolean): Promise<string> =>
    gate.acquire(forceRefresh, async () => keep(await msal.signIn(forceRefresh)));
  // While the secret is refused, the file is looked at (at most once a second) between attempts too: a fixed file
  // is then used at once, not at the end of a backoff step that may last minutes.
  const retryIfSecretChanged = async (): Promise<void> => {
    if (secretFile === undefined || !msal.secretRefused(gate.failure) || !secretFile.checkDue()) return;
    if ((await msal.rereadSecret()).outcome === 'changed') gate.retryNow();
  };
  const slowPath = async (forceRefresh: boolean): Promise<string> => {
    await retryIfSecretChanged();
    const stale = cached;
    if (!forceRefresh && !refused && stale !== undefined && now() < stale.usableUntil) {
      // Past its refresh point but still good: callers keep it while the refresh runs, so a slow Entra ID (up to
      // the request timeout) never holds Graph requests up. The refresh's failure is not lost: the gate reports
      // it to the observer (log line, readiness) and answers the next caller past `usableUntil` with it.
      attempt(false).catch(() => undefined);
      return stale.token;
    }
    try {
      return await attempt(forceRefresh || refused);
    } catch (error) {
      if (stale !== undefined && now() < stale.usableUntil) return stale.token;
      throw error;
    }
  };
  return {
    getToken: (forceRefresh = false) => {
      const hit = cached;
      if (!forceRefresh && hit !== undefined && now() < hit.refreshAt) return Promise.resolve(hit.token);
      // The caller saw this token refused (401): it is handed out no more, whatever happens next.
      if (forceRefresh) {
        cached = undefined;
        refused = true;
      }
      return slowPath(forceRefresh);
    },
  };
}
