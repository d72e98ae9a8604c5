/**
 * A client secret read from a file, rotated: the simulator replaces its secret (the old one then answers
 * invalid_client, AADSTS7000215), the file is rewritten, and the same token provider signs in again without being
 * built anew: the file is read again after the refusal (and, while refused, at most once a second between attempts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider, type SignInFailedInfo } from '../../src/auth/index.js';
import { ConnectorError } from '../../src/errors.js';
import { createHttpDispatcher } from '../../src/http/index.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';

let simulator: GraphSimulator;
let dispatcher: Dispatcher;
let folder: string;

beforeAll(async () => {
  simulator = await startGraphSimulator({ userCount: 5, autoChurn: false });
  dispatcher = createHttpDispatcher({ connectionsPerOrigin: 4, extraCaPem: simulator.caCertificatePem, env: {} });
  folder = await mkdtemp(join(tmpdir(), 'secret-file-'));
});

afterAll(async () => {
  await dispatcher?.close();
  await simulator?.close();
  await rm(folder, { recursive: true, force: true });
});

function tokenRequests(): number {
  return simulator.recording.counters().tokenRequests;
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected sign-in to fail');
}

describe('MsalSignIn: a client secret from a file', () => {
  it('reads the file again after invalid_client and signs in with the new secret, without a restart', async () => {
    const file = join(folder, 'graph-client-secret');
    await writeFile(file, `${simulator.clientSecret}\n`);
    const clock = { now: 0 };
    const changed: string[] = [];
    const failed: SignInFailedInfo[] = [];
    const tokens = createTokenProvider({
      tenantId: simulator.tenantId,
      clientId: simulator.clientId,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      scope: `${simulator.graphUrl}/.default`,
      credential: { kind: 'secret', clientSecret: simulator.clientSecret, secretFile: file },
      dispatcher,
      trustAuthorityHost: true,
      now: () => clock.now,
      random: () => 0,
      observer: {
        onSecretFileChanged: (info) => changed.push(info.file),
        onSignInFailed: (info) => failed.push(info),
      },
    });
    const first = await tokens.getToken();

    // Rotated in Entra ID, not yet in the file: refused, the file read again (unchanged), the action names the file.
    const rotated = simulator.rotateClientSecret();
    const before = tokenRequests();
    const refused = await failure(tokens.getToken(true));
    expect(refused.details).toMatchObject({ reason: 'wrong-secret', aadsts: 'AADSTS7000215' });
    expect(refused.message).toContain(`to ${file}: the connector reads that file again after each refused sign-in`);
    expect(refused.message).not.toContain(rotated);
    expect(tokenRequests() - before).toBe(1);
    expect(changed).toEqual([]);
    // Within the backoff step (2.5 s): refused at once, Entra ID not asked.
    clock.now += 1_000;
    await failure(tokens.getToken());
    expect(tokenRequests() - before).toBe(1);

    // The operator writes the new secret: the next call reads it (a second after the last look) and signs in at
    // once, before the backoff step ends, with a new MSAL client.
    await writeFile(file, `  ${rotated}\n`);
    clock.now += 1_000;
    const renewed = await tokens.getToken();
    expect(renewed).not.toBe(first);
    expect(changed).toEqual([file]);
    expect(tokenRequests() - before).toBe(2);
    expect(failed).toHaveLength(1);
    // Cached from now on.
    expect(await tokens.getToken()).toBe(renewed);
    expect(tokenRequests() - before).toBe(2);
  });

  it('signs in with a newer file at the refusal itself when the file changed before Entra ID refused the old secret', async () => {
    const file = join(folder, 'graph-client-secret-2');
    await writeFile(file, simulator.clientSecret);
    const changed: string[] = [];
    const tokens = createTokenProvider({
      tenantId: simulator.tenantId,
      clientId: simulator.clientId,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      scope: `${simulator.graphUrl}/.default`,
      credential: { kind: 'secret', clientSecret: simulator.clientSecret, secretFile: file },
      dispatcher,
      trustAuthorityHost: true,
      observer: { onSecretFileChanged: (info) => changed.push(info.file) },
    });
    await tokens.getToken();
    // The usual rotation: the new secret is in the file before the old one is deleted.
    const rotated = simulator.rotateClientSecret();
    await writeFile(file, rotated);
    const before = tokenRequests();
    await expect(tokens.getToken(true)).resolves.toEqual(expect.any(String));
    // The refused request, then the one with the new secret; no failure reaches the caller.
    expect(tokenRequests() - before).toBe(2);
    expect(changed).toEqual([file]);
  });

  it('keeps the secret it has when the file cannot be read, and says why in the error details', async () => {
    const file = join(folder, 'graph-client-secret-3');
    await writeFile(file, simulator.clientSecret);
    const tokens = createTokenProvider({
      tenantId: simulator.tenantId,
      clientId: simulator.clientId,
      authorityUrl: new URL(simulator.authorityUrl).origin,
      scope: `${simulator.graphUrl}/.default`,
      credential: { kind: 'secret', clientSecret: simulator.clientSecret, secretFile: file },
      dispatcher,
      trustAuthorityHost: true,
    });
    await tokens.getToken();
    simulator.rotateClientSecret();
    await rm(file);
    const refused = await failure(tokens.getToken(true));
    expect(refused.details['reason']).toBe('wrong-secret');
    expect(refused.details['secretFileProblem']).toMatch(/^cannot read .*graph-client-secret-3: ENOENT/);
  });
});
