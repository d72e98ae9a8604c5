/**
 * The start-up wait's retries and log, against a stand-in of the RegistrationClient interface whose lookups fail
 * as scripted; the real registry going away and coming back is test/integration/schema-registry-connector.test.ts.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConnectorError, ErrorCodes } from '../../src/errors.js';
import type { RegistrationClient } from '../../src/schema-registry/registration.js';
import {
  REGISTRY_UNAVAILABLE,
  waitForEventSchema,
  type WaitForEventSchemaArgs,
} from '../../src/schema-registry/start-up-wait.js';

const SCHEMA = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });

const refused = () =>
  new ConnectorError(
    ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE,
    'could not reach the schema registry for lookup (ECONNREFUSED)',
    {
      retriable: true,
    },
  );
const timedOut = () =>
  new ConnectorError(
    ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE,
    'the schema registry did not answer lookup within 1000 ms',
    {
      retriable: true,
    },
  );

/** A registry holding the schema as id 7, whose lookups fail first with `failures`, in order. */
function registryFailingWith(failures: Error[]): RegistrationClient & { lookups: number } {
  const client = {
    lookups: 0,
    lookup: async () => {
      const failure = failures[client.lookups++];
      if (failure !== undefined) throw failure;
      return { id: 7, version: 1 };
    },
    register: async () => 7,
    isCompatible: async () => true,
    compatibilityLevel: async () => 'BACKWARD',
    versions: async () => [1],
    schemaAt: async () => SCHEMA,
    latest: async () => undefined,
  };
  return client;
}

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, destination) };
}

/** A wait whose every attempt takes `stepMs` on the test's clock; no real waiting. */
function waitWith(client: RegistrationClient, stepMs: number, overrides: Partial<WaitForEventSchemaArgs> = {}) {
  const { lines, logger } = capturingLogger();
  const clock = { now: 0 };
  const reasons: string[] = [];
  const waiting = waitForEventSchema({
    client,
    subject: 'presence-value',
    schemaText: SCHEMA,
    schemaFingerprint: '0123456789abcdef',
    autoRegister: true,
    url: 'http://registry:8081',
    policy: { initialMs: 1, maxMs: 1 },
    signal: new AbortController().signal,
    logger,
    onWaiting: (reason) => {
      reasons.push(reason);
      clock.now += stepMs;
    },
    now: () => clock.now,
    ...overrides,
  });
  const above = () => lines.filter((line) => (line['level'] as number) > 20);
  return { waiting, lines, above, reasons };
}

describe('waitForEventSchema', () => {
  it('waits for a registry that is down, then answers its schema id', async () => {
    const client = registryFailingWith([refused(), refused()]);
    const { waiting, reasons } = waitWith(client, 1_000);
    await expect(waiting).resolves.toMatchObject({ schemaId: 7, registered: false });
    expect(client.lookups).toBe(3);
    // Readiness is told the reason after each failed attempt.
    expect(reasons).toEqual([refused().message, refused().message]);
  });

  it('warns once a minute while the registry stays down, with the reason, the count held back, and no stack', async () => {
    // Two minutes of attempts, one every 5 s: the first warning, then one after a minute with the eleven between.
    const client = registryFailingWith(Array.from({ length: 25 }, refused));
    const { waiting, above, lines } = waitWith(client, 5_000);
    await waiting;
    expect(above().map((line) => line['repeats'])).toEqual([undefined, 11, 11]);
    expect(above()[0]).toEqual(
      expect.objectContaining({
        level: 40,
        msg: REGISTRY_UNAVAILABLE,
        subject: 'presence-value',
        url: 'http://registry:8081',
        error: refused().message,
        code: ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE,
      }),
    );
    for (const line of above()) expect(JSON.stringify(line)).not.toContain('    at ');
    // Every attempt is at debug, with its stack.
    const debug = lines.filter((line) => line['level'] === 20);
    expect(debug).toHaveLength(25);
    expect(JSON.stringify(debug[0])).toContain('    at ');
  });

  it('warns at once when the reason changes', async () => {
    const client = registryFailingWith([refused(), refused(), timedOut(), timedOut(), refused()]);
    const { waiting, above } = waitWith(client, 1_000);
    await waiting;
    expect(above().map((line) => line['error'])).toEqual([refused().message, timedOut().message, refused().message]);
  });

  it('fails at once on what waiting cannot cure, logging nothing', async () => {
    const unauthorized = new ConnectorError(
      ErrorCodes.SCHEMA_REGISTRY_UNAUTHORIZED,
      'the schema registry refused lookup',
    );
    const client = registryFailingWith([unauthorized]);
    const { waiting, above } = waitWith(client, 1_000);
    await expect(waiting).rejects.toBe(unauthorized);
    expect(client.lookups).toBe(1);
    expect(above()).toEqual([]);
  });

  it('stops waiting when the worker stops, with the last failure', async () => {
    const stop = new AbortController();
    const client = registryFailingWith(Array.from({ length: 100 }, refused));
    const { waiting } = waitWith(client, 1_000, { signal: stop.signal, onWaiting: () => stop.abort() });
    await expect(waiting).rejects.toMatchObject({ code: ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE });
    expect(client.lookups).toBe(1);
  });
});
