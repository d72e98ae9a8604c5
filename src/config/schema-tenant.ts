/** The `tenant` section of the configuration schema: the tenant, the app registration and its credential. */
import { z } from 'zod';
import { checkGuid, checkTenantId, checkThumbprintSha256 } from './formats.js';
import { envOnlySecret, filePath, formatted, RELATIVE_PATHS, setting } from './schema-common.js';

const certificateSchema = z
  .strictObject({
    privateKey: envOnlySecret({
      format: 'PEM',
      description:
        'PEM private key of the certificate. Environment only, never in the config file; or use privateKeyFile. Literal "\\n" sequences are turned into newlines.',
      secretFileSetting: 'tenant.certificate.privateKeyFile',
    }),
    privateKeyFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of the PEM private key (unencrypted PKCS#8 or PKCS#1). ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    thumbprintSha256: formatted(checkThumbprintSha256).meta(
      setting({
        description:
          'SHA-256 thumbprint of the certificate uploaded to the app registration: 64 hex digits (colons allowed).',
        format: 'hex',
      }),
    ),
    certificateFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of the PEM certificate (chain). Optional: when set it is sent as x5c (subject name/issuer authentication) and checked against the thumbprint and the private key. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
  })
  .meta(setting({ description: 'Certificate credential: the alternative to a client secret.' }));

export const tenantSchema = z
  .strictObject({
    id: formatted(checkTenantId).meta(
      setting({
        description: 'Directory (tenant) id: the tenant GUID or a verified domain such as contoso.onmicrosoft.com.',
        format: 'GUID or domain',
      }),
    ),
    clientId: formatted(checkGuid).meta(
      setting({
        description:
          'Application (client) id of the app registration holding the Presence.Read.All application permission.',
        format: 'GUID',
      }),
    ),
    clientSecret: envOnlySecret({
      description:
        'Client secret of the app registration. Environment only, never in the config file; or use clientSecretFile.',
      secretFileSetting: 'tenant.clientSecretFile',
    }),
    clientSecretFile: filePath()
      .optional()
      .meta(
        setting({
          description: `Path of a file holding the client secret (e.g. a mounted Docker or Kubernetes secret); surrounding whitespace is ignored. ${RELATIVE_PATHS}`,
          format: 'path',
        }),
      ),
    certificate: certificateSchema.optional(),
  })
  .meta(
    setting({
      description:
        'The Entra ID tenant and the app registration the connector signs in as. Exactly one credential: a client secret or a certificate.',
    }),
  );
