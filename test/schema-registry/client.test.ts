/**
 * What the client does without a registry: configuration checks, and the failures where no registry answers.
 * Everything a registry answers is tested against a real one in test/integration/schema-registry-client.test.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type ConnectorError } from '../../src/errors.js';
import { isRetriable } from '../../src/retry/index.js';
import { SchemaRegistryClient } from '../../src/schema-registry/client.js';

const SECRET = 's3cr3t-registry-password';
const clients: SchemaRegistryClient[] = [];
const servers: Server[] = [];
/** Sockets a test server holds open: server.close() waits for them, so teardown ends them. */
const sockets: Socket[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function client(url: string, requestTimeoutMs = 2_000): SchemaRegistryClient {
  const created = new SchemaRegistryClient({
    url,
    requestTimeoutMs,
    auth: { kind: 'basic', username: 'key', password: SECRET },
  });
  clients.push(created);
  return created;
}

async function listen(onConnection: (socket: Socket) => void = () => {}): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** A port that was just free: nothing listens there, so a connection is refused at once. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen();
  servers.splice(servers.indexOf(server), 1);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    return error as ConnectorError;
  }
  throw new Error('expected a rejection');
}

describe('SchemaRegistryClient configuration', () => {
  it('refuses a URL that is not http(s), not a URL, or carries credentials', () => {
    for (const url of ['not a url', 'ftp://registry:21', `https://key:${SECRET}@registry.example`]) {
      expect(() => new SchemaRegistryClient({ url, requestTimeoutMs: 1_000 })).toThrow(
        expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }),
      );
    }
    try {
      new SchemaRegistryClient({ url: `https://key:${SECRET}@registry.example`, requestTimeoutMs: 1_000 });
    } catch (error) {
      expect(JSON.stringify(error) + String(error)).not.toContain(SECRET);
    }
  });
});

describe('SchemaRegistryClient without a registry', () => {
  it('reports a refused connection as a retriable SCHEMA_REGISTRY_UNAVAILABLE, without the credentials', async () => {
    const port = await closedPort();
    const error = await rejection(client(`http://127.0.0.1:${port}/apis/ccompat/v7/`).register('s-value', '"string"'));
    expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
    expect(isRetriable(error)).toBe(true);
    expect(error.message).toBe('could not reach the schema registry for register (ECONNREFUSED)');
    expect(error.details).toMatchObject({ operation: 'register', subject: 's-value' });
    const basic = Buffer.from(`key:${SECRET}`).toString('base64');
    const printed = JSON.stringify(error) + String(error) + String(error.stack);
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain(basic);
  });

  it('gives up on a registry that accepts the connection but never answers, after the request timeout', async () => {
    const { port } = await listen(() => {}); // holds the socket open and says nothing
    const started = performance.now();
    const error = await rejection(client(`http://127.0.0.1:${port}`, 300).schemaById(1));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('the schema registry did not answer schemaById within 300 ms');
  });

  it('does not cache a failed schemaById: the next call asks again', async () => {
    const { port } = await listen((socket) => socket.destroy());
    const registry = client(`http://127.0.0.1:${port}`);
    const first = await rejection(registry.schemaById(5));
    const second = await rejection(registry.schemaById(5));
    expect(first).not.toBe(second);
    expect(second.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAVAILABLE);
  });

  it('refuses calls after close, and closes twice without harm', async () => {
    const registry = client('http://127.0.0.1:1');
    await registry.close();
    await registry.close();
    const error = await rejection(registry.versions('s-value'));
    expect(error.code).toBe(ErrorCodes.SCHEMA_REGISTRY_REQUEST_FAILED);
    expect(error.retriable).toBe(false);
  });

  it('leaves a shared dispatcher open when it closes', async () => {
    const dispatcher = new Agent();
    try {
      const registry = new SchemaRegistryClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 1_000, dispatcher });
      await registry.close();
      expect(dispatcher.closed).toBe(false);
    } finally {
      await dispatcher.close();
    }
  });
});

/**
 * What the client puts on the wire for credentials, seen by a loopback HTTP server of the test's own: Apicurio
 * runs without auth here, so the headers a Confluent Cloud registry would check are asserted this way.
 */
describe('credentials on the wire', () => {
  async function recordingServer(status: number, body: unknown) {
    const { createServer: createHttpServer } = await import('node:http');
    const seen: Array<{
      method: string;
      url: string;
      authorization: string | undefined;
      contentType: string | undefined;
    }> = [];
    const server = createHttpServer((request, response) => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
      });
      request.resume();
      request.on('end', () => {
        response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return { seen, url: `http://127.0.0.1:${address.port}`, close: () => new Promise((r) => server.close(r)) };
  }

  it('sends basic auth as base64(key:secret) and a bearer token as Bearer, with the registry content type', async () => {
    const server = await recordingServer(200, { id: 3 });
    try {
      const basic = client(server.url);
      expect(await basic.register('presence-value', '{"type":"string"}')).toBe(3);
      const bearer = new SchemaRegistryClient({
        url: server.url,
        requestTimeoutMs: 2_000,
        auth: { kind: 'bearer', token: 'tok-9' },
      });
      clients.push(bearer);
      await bearer.register('presence-value', '{"type":"string"}');
      expect(server.seen.map((request) => request.authorization)).toEqual([
        `Basic ${Buffer.from(`key:${SECRET}`).toString('base64')}`,
        'Bearer tok-9',
      ]);
      expect(server.seen[0]).toMatchObject({ method: 'POST', url: '/subjects/presence-value/versions' });
      expect(server.seen[0]?.contentType).toBe('application/vnd.schemaregistry.v1+json');
    } finally {
      await server.close();
    }
  });

  it('turns 401 into SCHEMA_REGISTRY_UNAUTHORIZED, not retriable, without the secret in the error', async () => {
    const server = await recordingServer(401, { error_code: 401, message: 'Unauthorized' });
    try {
      const failure = await client(server.url)
        .register('presence-value', '{"type":"string"}')
        .then(
          () => undefined,
          (error: unknown) => error as ConnectorError,
        );
      expect(failure?.code).toBe(ErrorCodes.SCHEMA_REGISTRY_UNAUTHORIZED);
      expect(isRetriable(failure)).toBe(false);
      expect(JSON.stringify({ message: failure?.message, details: failure?.details })).not.toContain(SECRET);
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
