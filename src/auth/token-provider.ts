import { ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule } from '@azure/msal-node';
import type { Dispatcher } from 'undici';
import { ConnectorError, ErrorCodes } from '../errors.js';
import { createMsalNetworkClient } from './msal-network-client.js';

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
}

export interface TokenProvider {
  /** A bearer token for Graph; `forceRefresh` bypasses MSAL's cache once (after a 401). */
  getToken(forceRefresh?: boolean): Promise<string>;
}

/**
 * One long-lived ConfidentialClientApplication, so MSAL's in-memory cache serves tokens until five minutes before
 * they expire instead of asking Entra ID on every Graph call.
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const network = createMsalNetworkClient(options.dispatcher);
  const app = new ConfidentialClientApplication(buildMsalConfiguration(options, network));
  return {
    async getToken(forceRefresh = false) {
      try {
        const result = await app.acquireTokenByClientCredential({ scopes: [options.scope], skipCache: forceRefresh });
        if (result === null || result.accessToken === '') {
          throw new ConnectorError(ErrorCodes.AUTH_FAILED, 'Entra ID returned no access token', { retriable: true });
        }
        return result.accessToken;
      } catch (error) {
        if (error instanceof ConnectorError) throw error;
        // MSAL reports a refused proxy or an untrusted certificate only as endpoints_resolution_error; the
        // transport failure our network client saw says which.
        throw describeAuthFailure(error, options, network.lastFailure()?.message);
      }
    },
  };
}

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

function describeAuthFailure(
  error: unknown,
  options: TokenProviderOptions,
  transportFailure: string | undefined,
): ConnectorError {
  const code = typeof error === 'object' && error !== null && 'errorCode' in error ? String(error.errorCode) : '';
  // invalid_client / unauthorized_client mean the registration or credential is wrong: retrying will not help.
  const permanent = /invalid_client|unauthorized_client|invalid_request|tenant/i.test(code);
  return new ConnectorError(
    ErrorCodes.AUTH_FAILED,
    `token request for client ${options.clientId} in tenant ${options.tenantId} failed${code === '' ? '' : ` (${code})`}` +
      (transportFailure === undefined ? '' : `: ${transportFailure}`),
    { cause: error, retriable: !permanent, details: { authority: options.authorityUrl, msalErrorCode: code } },
  );
}
