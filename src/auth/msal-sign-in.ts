/**
 * One sign-in at Entra ID through MSAL: the ConfidentialClientApplication over the connector's network client, and
 * how its failures become AUTH_FAILED with a reason. With a secret from a file, a refused secret makes it read the
 * file again; a changed secret gets a new ConfidentialClientApplication (MSAL takes the secret only when built).
 */
import { ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule } from '@azure/msal-node';
import type { ConnectorError } from '../errors.js';
import type { MsalNetworkClient } from './msal-network-client.js';
import type { SecretFile, SecretReread } from './secret-file.js';
import {
  aadstsDescription,
  badAnswer,
  classifySignInFailure,
  signInError,
  signInFailureOf,
  type SignInContext,
  type SignInEvidence,
  type SignInFailure,
} from './sign-in-failure.js';
import type { ClientCredential, TokenProviderOptions } from './token-provider.js';

export interface SignedIn {
  accessToken: string;
  /** How long the token stays valid from now, by Entra ID's `expires_in` as MSAL saw it. */
  lifetimeMs: number;
}

/** Failures that say the secret itself is refused: the file may hold a newer one. */
const SECRET_REFUSED: ReadonlySet<string> = new Set(['wrong-secret', 'expired-secret']);

export class MsalSignIn {
  private app: ConfidentialClientApplication;
  private readonly context: SignInContext;

  constructor(
    private readonly options: TokenProviderOptions,
    private readonly network: MsalNetworkClient,
    private readonly secretFile: SecretFile | undefined,
  ) {
    this.app = this.build(options.credential);
    this.context = { clientId: options.clientId, tenantId: options.tenantId, authorityUrl: options.authorityUrl };
  }

  /** Signs in; a secret refused by Entra ID makes it read the secret file, and sign in once more if it changed. */
  async signIn(forceRefresh: boolean): Promise<SignedIn> {
    try {
      return await this.acquire(forceRefresh);
    } catch (error) {
      if (!this.secretRefused(error)) throw error;
      const reread = await this.rereadSecret();
      if (reread.outcome !== 'changed') throw withFileProblem(error, reread);
      return this.acquire(true);
    }
  }

  /** Reads the secret file again; a changed secret replaces the MSAL client. Unchanged without a secret file. */
  async rereadSecret(): Promise<SecretReread> {
    if (this.secretFile === undefined) return { outcome: 'unchanged' };
    const reread = await this.secretFile.reread();
    if (reread.outcome === 'changed') {
      this.app = this.build({ kind: 'secret', clientSecret: reread.secret });
      this.options.observer?.onSecretFileChanged?.({ file: this.secretFile.path });
    }
    return reread;
  }

  /** The error is Entra ID refusing the secret, and the secret came from a file. */
  secretRefused(error: unknown): error is ConnectorError {
    const reason = signInFailureOf(error)?.reason;
    return this.secretFile !== undefined && reason !== undefined && SECRET_REFUSED.has(reason);
  }

  private async acquire(forceRefresh: boolean): Promise<SignedIn> {
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: [this.options.scope], skipCache: forceRefresh });
    } catch (error) {
      throw this.describe(error);
    }
    const accessToken = result?.accessToken;
    if (accessToken === undefined || accessToken === '') {
      throw signInError(badAnswer('it holds no access token'), NO_EVIDENCE, this.context);
    }
    const expiresOn = result?.expiresOn;
    return {
      accessToken,
      lifetimeMs: expiresOn === null || expiresOn === undefined ? 0 : expiresOn.getTime() - Date.now(),
    };
  }

  /**
   * MSAL's error plus what the network client saw (MSAL reports a refused proxy or an untrusted certificate only as
   * endpoints_resolution_error, a wrong tenant's 400 on discovery without its AADSTS code, and never sees a 429 or
   * 5xx of the token endpoint), classified; a refused secret from a file gets the action that fits it.
   */
  private describe(error: unknown): ConnectorError {
    const evidence = evidenceOf(error, this.network);
    const failure = classifySignInFailure(evidence);
    const fitted: SignInFailure =
      this.secretFile !== undefined && SECRET_REFUSED.has(failure.reason)
        ? { ...failure, action: fileAction(this.secretFile.path, failure.reason === 'expired-secret') }
        : failure;
    return signInError(fitted, evidence, this.context, error);
  }

  private build(credential: ClientCredential): ConfidentialClientApplication {
    return new ConfidentialClientApplication(buildMsalConfiguration(this.options, credential, this.network));
  }
}

const NO_EVIDENCE = { msalErrorCode: '', status: undefined };

function fileAction(file: string, expired: boolean): string {
  const which = expired
    ? "create a new client secret in the app registration's Certificates & secrets and write its Value"
    : "write the secret's Value (not its Secret ID) from the app registration's Certificates & secrets";
  return `${which} to ${file}: the connector reads that file again after each refused sign-in, no restart needed`;
}

/** The refused-secret error, with why the file gave no other secret (in details, for the log line's fields). */
function withFileProblem(error: ConnectorError, reread: SecretReread): ConnectorError {
  if (reread.outcome === 'unreadable') error.details['secretFileProblem'] = reread.problem;
  return error;
}

function buildMsalConfiguration(
  options: TokenProviderOptions,
  credential: ClientCredential,
  network: INetworkModule,
): Configuration {
  const authorityHost = new URL(options.authorityUrl).host;
  return {
    auth: {
      clientId: options.clientId,
      authority: `${options.authorityUrl.replace(/\/+$/, '')}/${options.tenantId}`,
      ...(options.trustAuthorityHost ? { knownAuthorities: [authorityHost] } : {}),
      ...credentialOptions(credential),
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
    retryAfterMs: answer?.retryAfterMs,
  };
}
