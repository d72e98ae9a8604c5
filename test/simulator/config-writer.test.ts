import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { previousPort, simulatorConnectorConfig, writeSimulatorConfig } from '../../src/simulator/config-writer.js';
import { startGraphSimulator, type GraphSimulator } from '../../src/simulator/index.js';
import { generateTlsMaterial } from '../../src/simulator/tls.js';

let simulator: GraphSimulator;
let tls: { keyPem: string; certPem: string };

beforeAll(async () => {
  tls = await generateTlsMaterial('127.0.0.1');
  simulator = await startGraphSimulator({ userCount: 1300, autoChurn: false, tlsCertificate: tls });
});
afterAll(() => simulator.close());

describe('simulate --write-config: the folder', () => {
  it('holds a config the connector loads as is, naming the simulator, its users, secret and certificate', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'sim-config-')), 'sim');
    const written = await writeSimulatorConfig({ dir, brokers: ['kafka-a:9092', 'kafka-b:9092'] }, simulator, tls);
    expect(written.configFile).toBe(join(dir, 'connector.yaml'));

    const config = loadConfig({ file: written.configFile, env: {} });
    expect(config.tenant).toMatchObject({ id: simulator.tenantId, clientId: simulator.clientId });
    expect(config.tenant.clientSecret?.reveal()).toBe(simulator.clientSecret);
    expect(config.graph).toMatchObject({ graphUrl: simulator.graphUrl, caPem: simulator.caCertificatePem });
    expect(config.kafka.brokers).toEqual(['kafka-a:9092', 'kafka-b:9092']);
    expect(config.shards.map((shard) => shard.userIds)).toEqual([simulator.userIds()]);

    expect(await readFile(join(dir, 'simulator-key.pem'), 'utf8')).toBe(tls.keyPem);
    for (const [file, mode] of [
      ['graph-client-secret', 0o600],
      ['simulator-key.pem', 0o600],
      ['connector.yaml', 0o644],
    ] as const) {
      expect((await stat(join(dir, file))).mode & 0o777 & ~mode, file).toBe(0);
    }
    expect((await stat(dir)).mode & 0o077).toBe(0);
    expect(await previousPort(dir)).toBe(Number(new URL(simulator.graphUrl).port));
  });

  it('polls as often as half the budget allows, never faster than every 5 s, and states a custom budget', () => {
    const sim = { ...simulator, userCount: 1_000_000 };
    const interval = (text: string): unknown =>
      (parse(text) as { polling: { intervalSeconds: number } }).polling.intervalSeconds;
    expect(interval(simulatorConnectorConfig(simulator, ['localhost:9092']))).toBe(5);
    // 1,539 requests per cycle, 1,500 per 30 s: twice the time they take.
    expect(interval(simulatorConnectorConfig(sim, ['localhost:9092']))).toBe(62);
    const custom = parse(simulatorConnectorConfig(sim, ['localhost:9092'], { requests: 10_000, windowSeconds: 7.5 }));
    expect(custom).toMatchObject({
      graph: { requestBudget: { maxRequests: 10_000, windowSeconds: 8 } },
      polling: { intervalSeconds: 5 },
    });
    expect(parse(simulatorConnectorConfig(sim, ['localhost:9092']))).not.toHaveProperty('graph.requestBudget');
  });

  it('remembers no port when there is no config, or one without a usable graphUrl', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-config-'));
    expect(await previousPort(dir)).toBeUndefined();
    await writeFile(join(dir, 'connector.yaml'), 'graph: [not, a, map');
    expect(await previousPort(dir)).toBeUndefined();
    await writeFile(join(dir, 'connector.yaml'), 'graph:\n  graphUrl: https://127.0.0.1\n');
    expect(await previousPort(dir)).toBeUndefined();
    await writeFile(join(dir, 'connector.yaml'), 'graph:\n  graphUrl: https://127.0.0.1:8443\n');
    expect(await previousPort(dir)).toBe(8443);
  });
});
