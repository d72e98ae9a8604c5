import type { Dispatcher } from 'undici';
import type { ConnectorConfig } from '../config/index.js';
import { ConnectorError, ErrorCodes } from '../errors.js';
import type { SignInObserver } from './sign-in-gate.js';
import { createTokenProvider, type ClientCredential, type TokenProvider } from './token-provider.js';

/**
 * The token provider of a connector configuration: one MSAL client per process, shared by presence and directory
 * requests (and by `check-config --online`), so that they share its cached token.
 */
export function connectorTokens(
  config: ConnectorConfig,
  dispatcher: Dispatcher,
  observer?: SignInObserver,
): TokenProvider {
  return createTokenProvider({
    tenantId: config.tenant.id,
    clientId: config.tenant.clientId,
    authorityUrl: config.graph.authorityUrl,
    scope: config.graph.scope,
    credential: credentialOf(config),
    dispatcher,
    trustAuthorityHost: config.graph.cloud === 'custom',
    ...(observer === undefined ? {} : { observer }),
  });
}

function credentialOf(config: ConnectorConfig): ClientCredential {
  const { clientSecret, certificate } = config.tenant;
  if (certificate !== undefined) {
    return {
      kind: 'certificate',
      privateKeyPem: certificate.privateKey.reveal(),
      thumbprintSha256: certificate.thumbprintSha256,
      ...(certificate.certificatePem === undefined ? {} : { certificatePem: certificate.certificatePem }),
    };
  }
  if (clientSecret === undefined) {
    throw new ConnectorError(ErrorCodes.CONFIG_INVALID, 'no client secret or certificate configured');
  }
  const secretFile = clientSecret.file;
  return { kind: 'secret', clientSecret: clientSecret.reveal(), ...(secretFile === undefined ? {} : { secretFile }) };
}
