import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allOf,
  httpGetProbe,
  logLineProbe,
  probeContextAtSpawn,
  tcpPortProbe,
  waitForReady,
  type ReadinessProbe,
} from '../../../scripts/jvm/index.js';
import { freePort } from '../../../scripts/support/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (let cleanup = cleanups.pop(); cleanup !== undefined; cleanup = cleanups.pop()) await cleanup();
});

async function listening<T extends Server | HttpServer>(server: T): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  cleanups.push(() => new Promise<void>((resolveClose) => server.close(() => resolveClose())));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'readiness-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const context = probeContextAtSpawn([]);

describe('readiness probes', () => {
  it('tcpPortProbe: ready once someone listens, a reason before', async () => {
    const closed = await freePort();
    expect(await tcpPortProbe('127.0.0.1', closed).check(context)).toMatch(/ECONNREFUSED/);
    const { server, port } = await listening(createServer((socket) => socket.destroy()));
    expect(server.listening).toBe(true);
    expect(await tcpPortProbe('127.0.0.1', port).check(context)).toBeUndefined();
  });

  it('httpGetProbe: ready on 2xx only (or what acceptStatus accepts)', async () => {
    let status = 503;
    const { port } = await listening(
      createHttpServer((_request, response) => {
        response.writeHead(status).end('{}');
      }),
    );
    const url = `http://127.0.0.1:${port}/q/health/ready`;
    expect(await httpGetProbe(url).check(context)).toBe(`GET ${url}: status 503`);
    expect(await httpGetProbe(url, { acceptStatus: (code) => code === 503 }).check(context)).toBeUndefined();
    status = 200;
    expect(await httpGetProbe(url).check(context)).toBeUndefined();
    const refused = `http://127.0.0.1:${await freePort()}/`;
    expect(await httpGetProbe(refused).check(context)).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/: /);
  });

  it('logLineProbe only sees lines written since the spawn (a restart appends to the same log)', async () => {
    const log = join(tempDir(), 'broker.log');
    writeFileSync(log, 'INFO Kafka Server started (previous run)\n');
    const sinceSpawn = probeContextAtSpawn([log]);
    const probe = logLineProbe(log, /Kafka Server started/, 'started');
    expect(await probe.check(sinceSpawn)).toBe('not yet: started');
    appendFileSync(log, 'INFO Kafka Server started\n');
    expect(await probe.check(sinceSpawn)).toBeUndefined();
    // A file that appears only after the spawn is read from its start.
    const late = join(tempDir(), 'late.log');
    const lateContext = probeContextAtSpawn([late]);
    writeFileSync(late, 'ready\n');
    expect(await logLineProbe(late, /ready/).check(lateContext)).toBeUndefined();
  });

  it('allOf: ready when every probe is; the first reason not to be wins', async () => {
    const ready: ReadinessProbe = { description: 'a', check: async () => undefined };
    const notYet = (reason: string): ReadinessProbe => ({ description: reason, check: async () => reason });
    expect(await allOf(ready, ready).check(context)).toBeUndefined();
    expect(await allOf(ready, notYet('b'), notYet('c')).check(context)).toBe('b');
    expect(allOf(ready, notYet('b')).description).toBe('a and b');
  });
});

describe('waitForReady', () => {
  it('polls until the probe is ready', async () => {
    let checks = 0;
    const probe: ReadinessProbe = { description: 'third time', check: async () => (++checks < 3 ? 'no' : undefined) };
    expect(await waitForReady({ probe, context, timeoutMs: 5_000, intervalMs: 5 })).toEqual({ ready: true });
    expect(checks).toBe(3);
  });

  it('stops at once when `failed` has a reason, and times out with the last reason', async () => {
    const never: ReadinessProbe = { description: 'never', check: async () => 'still starting' };
    expect(await waitForReady({ probe: never, context, timeoutMs: 5_000, failed: () => 'the JVM stopped' })).toEqual({
      ready: false,
      reason: 'the JVM stopped',
    });
    const outcome = await waitForReady({ probe: never, context, timeoutMs: 50, intervalMs: 5 });
    expect(outcome).toEqual({ ready: false, reason: 'not ready after 50 ms; last probe: still starting' });
  });

  it('lets a probe that throws (a bug) end the wait instead of retrying it', async () => {
    const broken: ReadinessProbe = {
      description: 'broken',
      check: async () => {
        throw new TypeError('bug');
      },
    };
    await expect(waitForReady({ probe: broken, context, timeoutMs: 5_000 })).rejects.toThrow('bug');
  });
});
