/**
 * The Entra ID (Azure AD v2.0) endpoints MSAL's client-credentials flow calls when the authority is the simulator:
 * OpenID discovery, instance discovery (only if the host is not in `knownAuthorities`), the token endpoint, and
 * the signing keys the discovery document points to.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ClientCredentials, ClientRegistry } from './clients.js';
import { aadError, aadHeaders, headerValue, json, type Reply } from './http-util.js';
import { NOT_JSON_BODY, type CorruptSuccess } from './token-faults.js';
import type { TokenAuthority } from './tokens.js';

export interface EntraContext {
  /** `https://127.0.0.1:PORT` */
  origin: string;
  /** `127.0.0.1:PORT` */
  host: string;
  tenantId: string;
  clients: ClientRegistry;
  tokens: TokenAuthority;
  tokenLifetimeSeconds: number;
  jwks: { keys: Record<string, unknown>[] };
}

const DEFAULT_SCOPE_SUFFIX = '/.default';

export function isKnownTenant(context: EntraContext, tenant: string): boolean {
  return tenant.toLowerCase() === context.tenantId.toLowerCase();
}

/** Entra ID stamps every response with a request id; recordings use it to tell requests apart. */
function discoveryHeaders(): Record<string, string> {
  const id = randomUUID();
  return aadHeaders(id, id);
}

export function openIdConfiguration(context: EntraContext): Reply {
  const base = `${context.origin}/${context.tenantId}`;
  return json(
    200,
    {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['ES256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'simulator',
      msgraph_host: context.host,
    },
    discoveryHeaders(),
  );
}

export function instanceDiscovery(context: EntraContext): Reply {
  return json(
    200,
    {
      tenant_discovery_endpoint: `${context.origin}/${context.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: context.host, preferred_cache: context.host, aliases: [context.host] }],
    },
    discoveryHeaders(),
  );
}

export function signingKeys(context: EntraContext): Reply {
  return json(200, context.jwks, discoveryHeaders());
}

export function unknownTenant(tenant: string, correlationId: string, nowMs: number): Reply {
  return aadError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
    correlationId,
    nowMs,
  );
}

export interface TokenOutcome {
  reply: Reply;
  clientId: string | null;
  /** The injected fault that shaped the answer (`token-throttled`, `token-not-json`, ...), or null. */
  fault: string | null;
  /** How long to hold the answer back (`tokenFaults.delayMs`). */
  delayMs: number;
}

type TokenAnswer = Pick<TokenOutcome, 'reply' | 'clientId'>;

/**
 * `POST /{tenant}/oauth2/v2.0/token` with an application/x-www-form-urlencoded body. Injected throttling and server
 * errors come before the request is looked at, as from Entra ID's front end; a spoilt body only replaces a success.
 */
export function tokenEndpoint(
  context: EntraContext,
  request: IncomingMessage,
  body: string,
  nowMs: number,
): TokenOutcome {
  const form = new URLSearchParams(body);
  const correlationId = form.get('client-request-id') ?? headerValue(request, 'client-request-id') ?? randomUUID();
  const injector = context.tokens.endpointFaults;
  const delayMs = injector.faults.delayMs;
  const early = injector.rejectEarly(correlationId, nowMs);
  if (early !== null) return { reply: early.reply, clientId: null, fault: early.fault, delayMs };
  const outcome = answerTokenRequest(context, request, form, correlationId, nowMs);
  if (outcome.reply.status !== 200) return { ...outcome, fault: null, delayMs };
  const corrupt = injector.corruptSuccess();
  return {
    ...outcome,
    reply: spoil(outcome.reply, corrupt),
    fault: corrupt === null ? null : `token-${corrupt}`,
    delayMs,
  };
}

function spoil(reply: Reply, corrupt: CorruptSuccess): Reply {
  if (corrupt === 'not-json') {
    return {
      status: 200,
      headers: { ...reply.headers, 'content-type': 'text/html; charset=utf-8' },
      body: NOT_JSON_BODY,
    };
  }
  if (corrupt === 'no-access-token') {
    const { access_token: _dropped, ...rest } = JSON.parse(String(reply.body)) as Record<string, unknown>;
    return { ...reply, body: JSON.stringify(rest) };
  }
  return reply;
}

function answerTokenRequest(
  context: EntraContext,
  request: IncomingMessage,
  form: URLSearchParams,
  correlationId: string,
  nowMs: number,
): TokenAnswer {
  const fail = (
    status: number,
    error: string,
    aadsts: number,
    text: string,
    clientId: string | null = null,
  ): TokenAnswer => ({
    reply: aadError(status, error, aadsts, text, correlationId, nowMs),
    clientId,
  });
  const grantType = form.get('grant_type');
  if (grantType !== 'client_credentials') {
    return fail(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType ?? ''}'.`,
    );
  }
  const credentials = readCredentials(form, headerValue(request, 'authorization'));
  if (credentials === null) {
    return fail(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  }
  const scope = form.get('scope');
  if (scope === null || scope.trim() === '') {
    return fail(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'scope'.",
      credentials.clientId,
    );
  }
  const resource = scope.trim();
  if (resource.includes(' ') || !resource.endsWith(DEFAULT_SCOPE_SUFFIX)) {
    return fail(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      credentials.clientId,
    );
  }
  const auth = context.clients.authenticate(
    credentials,
    `${context.origin}/${context.tenantId}/oauth2/v2.0/token`,
    Math.floor(nowMs / 1000),
  );
  if (!auth.ok) return fail(auth.status, auth.error, auth.aadsts, auth.text, credentials.clientId);
  const token = context.tokens.issue({
    clientId: auth.client.clientId,
    tenantId: context.tenantId,
    audience: resource.slice(0, -DEFAULT_SCOPE_SUFFIX.length),
    roles: auth.client.hasPresencePermission ? ['Presence.Read.All'] : [],
    lifetimeSeconds: context.tokenLifetimeSeconds,
    nowMs,
  });
  const reply = json(
    200,
    {
      token_type: 'Bearer',
      expires_in: context.tokenLifetimeSeconds,
      ext_expires_in: context.tokenLifetimeSeconds,
      access_token: token,
    },
    aadHeaders(randomUUID(), correlationId),
  );
  return { reply, clientId: auth.client.clientId };
}

/** Form fields first; `client_secret_basic` (HTTP Basic with id:secret) as Entra ID also accepts it. */
function readCredentials(form: URLSearchParams, authorization: string | undefined): ClientCredentials | null {
  const basic = parseBasic(authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  if (clientId === undefined || clientId === null || clientId === '') return null;
  const credentials: ClientCredentials = { clientId };
  const secret = form.get('client_secret') ?? basic?.secret;
  if (secret !== undefined && secret !== null) credentials.secret = secret;
  const assertion = form.get('client_assertion');
  if (assertion !== null) credentials.assertion = assertion;
  const assertionType = form.get('client_assertion_type');
  if (assertionType !== null) credentials.assertionType = assertionType;
  return credentials;
}

function parseBasic(authorization: string | undefined): { clientId: string; secret: string } | null {
  if (authorization === undefined || !/^Basic\s+/i.test(authorization)) return null;
  const decoded = Buffer.from(authorization.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    // RFC 6749 section 2.3.1: both parts are form-urlencoded before being joined.
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return null;
  }
}
