/**
 * What a failed sign-in at Entra ID means and what a person does about it. Entra ID answers a failed token request
 * with an AADSTS code (https://login.microsoftonline.com/error?code=NNN looks one up); MSAL passes the first one on
 * as `errorNo`, except when the failure came from the OpenID discovery request (the one a wrong tenant fails), which
 * MSAL reports only as `endpoints_resolution_error`: the network client's last error answer fills that gap.
 */
import { ConnectorError, ErrorCodes } from '../errors.js';
import { UNREADABLE_ANSWER } from './msal-network-client.js';

export type SignInFailureReason =
  | 'wrong-secret'
  | 'expired-secret'
  | 'wrong-tenant'
  | 'app-not-found'
  | 'consent-missing'
  | 'certificate-rejected'
  | 'endpoint-unreachable'
  | 'entra-unavailable'
  | 'throttled'
  | 'bad-answer'
  | 'rejected';

export interface SignInFailure {
  reason: SignInFailureReason;
  /** `AADSTS7000215`, when Entra ID sent a code. */
  aadsts: string | undefined;
  /** What it means, in a few words: for the log line and for /readyz. */
  meaning: string;
  /** What to do about it, as a sentence. */
  action: string;
  /** The same request may succeed later without anyone changing anything. */
  retriable: boolean;
}

/** What MSAL and the network client saw of one failed sign-in. */
export interface SignInEvidence {
  /** MSAL's `errorCode`: the OAuth error (`invalid_client`) or its own (`endpoints_resolution_error`). */
  msalErrorCode: string;
  /** The first AADSTS number, from MSAL's `errorNo` or the network client's last error answer. */
  aadstsNumber: string | undefined;
  /** HTTP status of the failed answer, if an answer came. */
  status: number | undefined;
  /** Why no answer came (refused connection, untrusted certificate, timeout), if none did. */
  transportFailure: string | undefined;
  /** Entra ID's own description, after "AADSTSnnn: " and before its trace ids. */
  description: string | undefined;
  /** The failed answer's Retry-After, in milliseconds. */
  retryAfterMs?: number | undefined;
}

const RESTART = 'then restart the connector';
const RETRIED = 'the connector signs in again by itself, with backoff';
const TENANT_ACTION = `set tenant.id to the app registration's Directory (tenant) ID and graph.cloud to the cloud the tenant is in, ${RESTART}`;

type Known = Omit<SignInFailure, 'aadsts' | 'retriable'> & { retriable?: boolean };

/** The AADSTS codes a client-credentials sign-in meets for a reason a person can name. */
const KNOWN_CODES: ReadonlyMap<string, Known> = new Map<string, Known>([
  [
    '7000215',
    {
      reason: 'wrong-secret',
      meaning: 'the client secret is wrong',
      action: `configure the secret's Value (not its Secret ID) from the app registration's Certificates & secrets (PRESENCE_TENANT_CLIENT_SECRET or tenant.clientSecretFile), ${RESTART}`,
    },
  ],
  [
    '7000222',
    {
      reason: 'expired-secret',
      meaning: 'the client secret has expired',
      action: `create a new client secret in the app registration's Certificates & secrets and configure it, ${RESTART}`,
    },
  ],
  ['90002', { reason: 'wrong-tenant', meaning: 'Entra ID has no tenant with this id', action: TENANT_ACTION }],
  [
    '900023',
    { reason: 'wrong-tenant', meaning: 'the tenant id is not a valid tenant identifier', action: TENANT_ACTION },
  ],
  [
    '700016',
    {
      reason: 'app-not-found',
      meaning: 'no application with this client id is registered in the tenant',
      action: `set tenant.clientId to the Application (client) ID of an app registered in this tenant (${RESTART}), or have an administrator of this tenant consent to the app`,
    },
  ],
  [
    '65001',
    {
      reason: 'consent-missing',
      meaning: 'nobody has consented to the application in this tenant',
      action: `have an administrator grant admin consent to the app in this tenant; ${RETRIED}`,
    },
  ],
  [
    '650052',
    {
      reason: 'consent-missing',
      meaning: 'the tenant lacks a service principal for a service the app needs',
      action: `have an administrator of this tenant consent to the app; ${RETRIED}`,
    },
  ],
  [
    '700027',
    {
      reason: 'certificate-rejected',
      meaning: 'the certificate that signed the sign-in is not registered on the app',
      action: `upload this certificate to the app registration's Certificates & secrets (${RETRIED}), or configure the key and SHA-256 thumbprint of a certificate registered there and restart`,
    },
  ],
  [
    '90033',
    {
      reason: 'entra-unavailable',
      meaning: 'Entra ID is temporarily unavailable',
      action: `nothing unless it lasts: ${RETRIED}`,
      retriable: true,
    },
  ],
]);

/** OAuth errors that say the request itself or the app's credential is wrong: a retry repeats the answer. */
const PERMANENT_OAUTH_ERRORS = /invalid_client|unauthorized_client|invalid_request|invalid_tenant|invalid_scope/i;

/** An answer a client cannot use (not JSON, or no access token in it): a proxy or a bad moment; asked again. */
export function badAnswer(what: string): SignInFailure {
  return {
    reason: 'bad-answer',
    aadsts: undefined,
    meaning: `Entra ID's answer could not be used: ${what}`,
    action: `nothing unless it lasts (then check what sits between the connector and graph.authorityUrl); ${RETRIED}`,
    retriable: true,
  };
}

export function classifySignInFailure(evidence: SignInEvidence): SignInFailure {
  const aadsts = evidence.aadstsNumber === undefined ? undefined : `AADSTS${evidence.aadstsNumber}`;
  const known = evidence.aadstsNumber === undefined ? undefined : KNOWN_CODES.get(evidence.aadstsNumber);
  if (known !== undefined) return { retriable: false, ...known, aadsts };
  if (evidence.msalErrorCode === UNREADABLE_ANSWER) return badAnswer('it is not JSON');
  const { status, transportFailure } = evidence;
  if (transportFailure !== undefined && status === undefined) {
    return {
      reason: 'endpoint-unreachable',
      aadsts,
      meaning: `the sign-in endpoint could not be reached (${transportFailure})`,
      action: `check the network path to graph.authorityUrl: proxy (graph.proxyUrl), CA bundle (graph.caFile), firewall; ${RETRIED}`,
      retriable: true,
    };
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return {
      reason: status === 429 ? 'throttled' : 'entra-unavailable',
      aadsts,
      meaning: status === 429 ? 'Entra ID throttled the sign-in (HTTP 429)' : `Entra ID answered HTTP ${status}`,
      action: `nothing unless it lasts: ${RETRIED}`,
      retriable: true,
    };
  }
  const permanent =
    PERMANENT_OAUTH_ERRORS.test(evidence.msalErrorCode) || (status !== undefined && status >= 400 && status < 500);
  return {
    reason: 'rejected',
    aadsts,
    meaning: `Entra ID refused the sign-in${evidence.description === undefined ? '' : `: ${evidence.description}`}`,
    action: 'check tenant.id, tenant.clientId and the credential against the app registration',
    retriable: !permanent,
  };
}

export interface SignInContext {
  clientId: string;
  tenantId: string;
  authorityUrl: string;
}

/** The one error a failed sign-in becomes: AUTH_FAILED, its reason and AADSTS code in `details`. */
export function signInError(
  failure: SignInFailure,
  evidence: Pick<SignInEvidence, 'msalErrorCode' | 'status' | 'retryAfterMs'>,
  context: SignInContext,
  cause?: unknown,
): ConnectorError {
  const codes = [failure.aadsts, evidence.msalErrorCode].filter((code) => code !== undefined && code !== '');
  return new ConnectorError(
    ErrorCodes.AUTH_FAILED,
    `Graph sign-in failed for app ${context.clientId} in tenant ${context.tenantId}: ${failure.meaning}` +
      `${codes.length === 0 ? '' : ` (${codes.join(', ')})`}; ${failure.action}`,
    {
      cause,
      retriable: failure.retriable,
      details: {
        reason: failure.reason,
        aadsts: failure.aadsts,
        meaning: failure.meaning,
        action: failure.action,
        msalErrorCode: evidence.msalErrorCode,
        status: evidence.status,
        ...(evidence.retryAfterMs === undefined ? {} : { retryAfterMs: evidence.retryAfterMs }),
        clientId: context.clientId,
        tenantId: context.tenantId,
        authority: context.authorityUrl,
      },
    },
  );
}

const REASONS: ReadonlySet<string> = new Set<SignInFailureReason>([
  'wrong-secret',
  'expired-secret',
  'wrong-tenant',
  'app-not-found',
  'consent-missing',
  'certificate-rejected',
  'endpoint-unreachable',
  'entra-unavailable',
  'throttled',
  'bad-answer',
  'rejected',
]);

function isReason(value: unknown): value is SignInFailureReason {
  return typeof value === 'string' && REASONS.has(value);
}

/** The failure an AUTH_FAILED error from {@link signInError} carries, or undefined for any other error. */
export function signInFailureOf(error: unknown): SignInFailure | undefined {
  if (!(error instanceof ConnectorError) || error.code !== ErrorCodes.AUTH_FAILED) return undefined;
  const { reason, aadsts, meaning, action } = error.details;
  if (!isReason(reason) || typeof meaning !== 'string') return undefined;
  return {
    reason,
    aadsts: typeof aadsts === 'string' ? aadsts : undefined,
    meaning,
    action: typeof action === 'string' ? action : '',
    retriable: error.retriable,
  };
}

/** `AADSTS7000215: Invalid client secret provided. ... Trace ID: ...` -> the sentence(s) between. */
export function aadstsDescription(text: string): string | undefined {
  const match = /AADSTS\d+:\s*(.*?)(?:\s*Trace ID:|$)/s.exec(text);
  const description = match?.[1]?.trim();
  return description === undefined || description === '' ? undefined : description.slice(0, 300);
}
