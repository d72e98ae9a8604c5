import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { connectorTokens } from '../../src/auth/index.js';
import { Secret, type ConnectorConfig } from '../../src/config/index.js';
import { ErrorCodes } from '../../src/errors.js';

/** The parts of a loaded configuration the token provider reads. */
function configWith(tenant: Partial<ConnectorConfig['tenant']>): ConnectorConfig {
  return {
    tenant: {
      id: '11111111-2222-3333-4444-555555555555',
      clientId: '66666666-7777-8888-9999-000000000000',
      credentialSource: 'test',
      ...tenant,
    },
    graph: {
      authorityUrl: 'https://login.microsoftonline.com',
      scope: 'https://graph.microsoft.com/.default',
      cloud: 'global',
    },
  } as ConnectorConfig;
}

describe('connectorTokens', () => {
  const dispatcher = new Agent();

  it('refuses a configuration with neither a secret nor a certificate, naming the problem', () => {
    expect(() => connectorTokens(configWith({}), dispatcher)).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONFIG_INVALID,
        message: 'no client secret or certificate configured',
      }),
    );
  });

  it('builds a provider from a client secret without contacting anyone', () => {
    const tokens = connectorTokens(configWith({ clientSecret: new Secret('s3cret') }), dispatcher);
    expect(typeof tokens.getToken).toBe('function');
  });
});
