import { ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule } from '@azure/msal-node';
import type { Dispatcher } from 'undici';
import type { ConnectorError } from '../errors.js';
import type { BackoffPolicy } from '../retry/index.js';
import { createMsalNetworkClient, type MsalNetworkClient } from './msal-network-client.js';
import { SignInGate, type SignInObserver } from './sign-in-gate.js';
import {
  aadstsDescription,
  classifySignInFailure,
  signInError,
  type SignInContext,
  type SignInEvidence,
  type SignInFailure,
} from './sign-in-failure.js';

export type ClientCredential =
  | { kind: 'secret'; clientSecret: string }
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
  /** For tests: the clock and the jitter of the sign-in backoff. */
  now?: () => number;
  random?: () => number;
}

export interface TokenProvider {
  /** A bearer token for Graph; `forceRefresh` bypasses MSAL's cache once (after a 401). */
  getToken(forceRefresh?: boolean): Promise<string>;
}

/**
 * One long-lived ConfidentialClientApplication, so MSAL's in-memory cache serves tokens until five minutes before
 * they expire instead of asking Entra ID on every Graph call. While sign-in fails, a {@link SignInGate} spaces the
 * attempts out and hands every caller in between the last attempt's error.
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const network = createMsalNetworkClient(options.dispatcher);
  const app = new ConfidentialClientApplication(buildMsalConfiguration(options, network));
  const gate = new SignInGate({
    ...(options.signInBackoff === undefined ? {} : { backoff: options.signInBackoff }),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const context: SignInContext = {
    clientId: options.clientId,
    tenantId: options.tenantId,
    authorityUrl: options.authorityUrl,
  };
  const signIn = async (forceRefresh: boolean): Promise<string> => {
    let accessToken: string | undefined;
    try {
      const result = await app.acquireTokenByClientCredential({ scopes: [options.scope], skipCache: forceRefresh });
      accessToken = result?.accessToken;
    } catch (error) {
      throw describeAuthFailure(error, network, context);
    }
    if (accessToken === undefined || accessToken === '') throw signInError(NO_TOKEN, NO_EVIDENCE, context);
    return accessToken;
  };
  return {
    getToken: (forceRefresh = false) => gate.acquire(forceRefresh, () => signIn(forceRefresh)),
  };
}

/** A 200 without a token is no answer a client can use; asking again later may get a proper one. */
const NO_TOKEN: SignInFailure = {
  reason: 'rejected',
  aadsts: undefined,
  meaning: 'Entra ID answered without an access token',
  action: 'nothing unless it lasts: the connector signs in again by itself, with backoff',
  retriable: true,
};
const NO_EVIDENCE = { msalErrorCode: '', status: undefined };

function buildMsalConfiguration(options: TokenProviderOptions, network: INetworkModule): Configuration {
  const authorityHost = new URL(options.authorityUrl).host;
  return {
    auth: {
      clientId: options.clientId,
      authority: `${options.authorityUrl.replace(/\/+$/, '')}/${options.tenantId}`,
      ...(options.trustAuthorityHost ? { knownAuthorities: [authorityHost] } : {}),
      ...credentialOptions(options.credential),
    },
    system: {
      networkClient: network,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  };
}

function credentialOptions(
  credential: ClientCredential,
): Pick<Configuration['auth'], 'clientSecret' | 'clientCertificate'> {
  if (credential.kind === 'secret') return { clientSecret: credential.clientSecret };
  return {
    clientCertificate: {
      thumbprintSha256: credential.thumbprintSha256,
      privateKey: credential.privateKeyPem,
      ...(credential.certificatePem === undefined ? {} : { x5c: credential.certificatePem }),
    },
  };
}

/**
 * MSAL's error plus what the network client saw (MSAL reports a refused proxy or an untrusted certificate only as
 * endpoints_resolution_error, and a wrong tenant's 400 on discovery without its AADSTS code), classified.
 */
function describeAuthFailure(error: unknown, network: MsalNetworkClient, context: SignInContext): ConnectorError {
  const evidence = evidenceOf(error, network);
  return signInError(classifySignInFailure(evidence), evidence, context, error);
}

function evidenceOf(error: unknown, network: MsalNetworkClient): SignInEvidence {
  const field = (name: string): unknown =>
    typeof error === 'object' && error !== null ? new Map<string, unknown>(Object.entries(error)).get(name) : undefined;
  const answer = network.lastErrorAnswer();
  const errorNo = field('errorNo');
  const status = field('status');
  const message = field('errorMessage');
  const text = typeof message === 'string' ? message : (answer?.description ?? '');
  return {
    msalErrorCode: String(field('errorCode') ?? ''),
    aadstsNumber:
      typeof errorNo === 'number' || (typeof errorNo === 'string' && errorNo !== '')
        ? String(errorNo)
        : answer?.errorCodes[0],
    status: typeof status === 'number' ? status : answer?.status,
    transportFailure: network.lastFailure()?.message,
    description: aadstsDescription(text) ?? aadstsDescription(answer?.description ?? ''),
  };
}
