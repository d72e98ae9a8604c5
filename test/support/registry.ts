/**
 * Helpers for tests that talk to the schema registry provided by test/global-setup.ts (env SCHEMA_REGISTRY_URL,
 * testcontainers, or a local Apicurio Registry). Where none could be had, such tests are skipped, and the skip
 * carries the reason in its name so that the output says why.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../../scripts/support/index.js';
import { describe, inject } from 'vitest';

/** Why there is no registry in this run; '' when there is one. */
export function registrySkipReason(): string {
  return inject('schemaRegistrySkipReason');
}

/**
 * The Confluent-compatible base URL of the shared registry, e.g. http://127.0.0.1:40123/apis/ccompat/v7. Call it
 * inside tests and hooks of a describeWithRegistry block: it throws when there is no registry, and those do not run.
 */
export function registryUrl(): string {
  const url = inject('schemaRegistryUrl');
  if (url === '') throw new Error(`No schema registry in this run: ${registrySkipReason()}`);
  return url;
}

/** A describe block that runs when the run has a registry, and is skipped with the reason in its name otherwise. */
export function describeWithRegistry(name: string, fn: () => void): void {
  if (inject('schemaRegistryUrl') !== '') {
    describe(name, fn);
    return;
  }
  // The block is still collected, so that its tests are listed as skipped rather than silently absent.
  describe.skip(`${name} [skipped: ${registrySkipReason()}]`, fn);
}

/**
 * A subject no other test (or earlier run against the same registry) uses, so tests need no cleanup. With
 * TopicNameStrategy a subject is '<topic>-value'; any printable name is allowed, but this keeps to topic characters.
 */
export function uniqueSubject(prefix = 'test'): string {
  const safePrefix = prefix.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, 180);
  return `${safePrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}-value`;
}

/**
 * A TCP forwarder in front of the shared registry that a test can open and close: the registry itself stays up
 * for the other tests, while the connector sees it come and go. Nothing is rewritten; bytes pass as they are.
 */
export interface RegistryForwarder {
  /** The registry URL through the forwarder (same path as the real one). */
  readonly url: string;
  /** Starts accepting connections on the forwarder's port. */
  open(): Promise<void>;
  /** Refuses new connections and cuts the ones open. */
  close(): Promise<void>;
}

export async function registryForwarder(): Promise<RegistryForwarder> {
  const target = new URL(registryUrl());
  const port = await freePort({ host: '127.0.0.1' });
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const url = `${target.protocol}//127.0.0.1:${port}${target.pathname}`.replace(/\/$/, '');
  return {
    url,
    open: () =>
      new Promise<void>((resolve, reject) => {
        const listening = createServer((client) => {
          const upstream = connect(Number(target.port), target.hostname);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => socket.destroy());
          }
          client.pipe(upstream).pipe(client);
        });
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
        server = listening;
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (server === undefined) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
  };
}
