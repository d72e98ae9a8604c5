import { describe, expect, it } from 'vitest';
import { resolveSimulatorOptions } from '../../src/simulator/options.js';
import { createRuntime, directoryContext, entraContext, presenceContext } from '../../src/simulator/runtime.js';

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

  it('gives each client its own directory bucket, sized by tenant unless configured', () => {
    const runtime = createRuntime(options);
    const directory = directoryContext(runtime, ORIGIN);
    const bucket = directory.budgetFor('Client-A');
    expect(directory.budgetFor('client-a')).toBe(bucket);
    expect(directory.budgetFor('client-b')).not.toBe(bucket);
    // 20 users: a small tenant, 3,500 units per 10 s.
    expect(bucket.take(3500, 0).admitted).toBe(true);
    expect(bucket.take(1, 0).admitted).toBe(false);
    const configured = createRuntime(
      resolveSimulatorOptions({ userCount: 20, directory: { budget: { resourceUnits: 7 } } }),
    );
    const small = directoryContext(configured, ORIGIN).budgetFor('x');
    expect([small.take(7, 0).admitted, small.take(1, 0).admitted]).toEqual([true, false]);
  });

  it('builds the directory with the presence population: PresenceUnknown users have no Teams', () => {
    const runtime = createRuntime(resolveSimulatorOptions({ userCount: 2000, seed: 5 }));
    const unknown = runtime.store.catalog.states.mustIndex('PresenceUnknown/PresenceUnknown');
    const withoutTeams = Array.from({ length: 2000 }, (_, i) => i).filter(
      (i) => !runtime.directory.users.attributes(i).hasTeams,
    );
    expect(withoutTeams.length).toBeGreaterThan(0);
    expect(withoutTeams.every((i) => runtime.store.state[i] === unknown)).toBe(true);
  });
});
