import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../../../scripts/support/index.js';

function listen(port: number): Promise<() => Promise<void>> {
  return new Promise((resolveListen, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolveListen(() => new Promise<void>((resolveClose) => server.close(() => resolveClose()))),
    );
  });
}

describe('freePort', () => {
  it('returns a loopback port that can be bound right away', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65_536);
    const close = await listen(port);
    await close();
  });

  it('never returns a port it was told to avoid', async () => {
    const first = await freePort();
    const avoid = [first];
    for (let i = 0; i < 5; i += 1) {
      const port = await freePort({ avoid });
      expect(avoid).not.toContain(port);
      avoid.push(port);
    }
  });

  it('freePorts gives distinct ports, outside `avoid`', async () => {
    const avoid = [await freePort()];
    const ports = await freePorts(4, { avoid });
    expect(ports).toHaveLength(4);
    expect(new Set([...ports, ...avoid]).size).toBe(5);
  });
});
