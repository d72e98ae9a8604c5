import { describe, expect, it } from 'vitest';
import { resolveSimulatorOptions } from '../../src/simulator/options.js';
import { createRuntime, entraContext, presenceContext } from '../../src/simulator/runtime.js';

const ORIGIN = 'https://127.0.0.1:4443';

describe('simulator runtime', () => {
  const options = resolveSimulatorOptions({
    userCount: 20,
    seed: 5,
    additionalClients: [{ clientId: 'AAAAAAAA-0000-4000-8000-000000000001', hasPresencePermission: false }],
  });

  it('registers the main client and the additional ones, with their permissions', () => {
    const runtime = createRuntime(options);
    expect(runtime.store.count).toBe(20);
    expect(runtime.clients.find(options.clientId)).toMatchObject({ secret: options.clientSecret });
    expect(runtime.clients.find('aaaaaaaa-0000-4000-8000-000000000001')).toMatchObject({
      secret: null,
      hasPresencePermission: false,
    });
    expect(runtime.routes).toBeUndefined();
  });

  it('publishes the signing key under its key id, with the tenant issuer', () => {
    const runtime = createRuntime(options);
    const entra = entraContext(runtime, ORIGIN, '127.0.0.1:4443');
    expect(entra.jwks.keys).toHaveLength(1);
    expect(entra.jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: runtime.signing.keyId,
      issuer: `${ORIGIN}/${options.tenantId}/v2.0`,
    });
    expect(runtime.signing.keyId).toMatch(/^[A-Za-z0-9_-]{27}$/);
  });

  it('keeps one request budget per client id, whatever its case', () => {
    const runtime = createRuntime(options);
    const presence = presenceContext(runtime, ORIGIN);
    const budget = presence.budgetFor('Client-A');
    expect(presence.budgetFor('client-a')).toBe(budget);
    expect(presence.budgetFor('client-b')).not.toBe(budget);
    // The context reads the current faults, not a copy taken at start.
    runtime.faults = { ...runtime.faults, forbidden: true };
    expect(presence.faults().forbidden).toBe(true);
  });

  it('builds the same population for the same seed', () => {
    const a = createRuntime(options);
    const b = createRuntime(options);
    const states = (runtime: typeof a): string[] =>
      Array.from({ length: 20 }, (_, i) => JSON.stringify(runtime.store.stateOf(i)));
    expect(states(a)).toEqual(states(b));
  });
});
