import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { describeWrittenConfig, startForConfig } from '../../src/simulator/cli-write-config.js';
import { parseSimulatorArgs, runSimulatorCli, type GraphSimulator } from '../../src/simulator/index.js';

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function folder(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'sim-write-')), 'sim');
}

/** Runs `simulate` with `argv`, returns what it printed and the simulator. */
async function simulate(argv: string[]): Promise<{ simulator: GraphSimulator; lines: string[] }> {
  const lines: string[] = [];
  const simulator = await runSimulatorCli(argv, { print: (line) => lines.push(line) });
  if (simulator === null) throw new Error('not started');
  return { simulator, lines };
}

async function tokenStatus(simulator: GraphSimulator, caFile: string): Promise<number> {
  const agent = new Agent({ connect: { ca: await readFile(caFile, 'utf8') } });
  try {
    const response = await request(`${simulator.authorityUrl}/v2.0/.well-known/openid-configuration`, {
      dispatcher: agent,
    });
    await response.body.dump();
    return response.statusCode;
  } finally {
    await agent.close();
  }
}

describe('simulate --write-config DIR [--brokers LIST]', () => {
  it('parses the folder and the brokers (default localhost:9092), and refuses what cannot work', () => {
    expect(parseSimulatorArgs(['--write-config', 'sim']).writeConfig).toEqual({
      dir: 'sim',
      brokers: ['localhost:9092'],
    });
    expect(parseSimulatorArgs(['--write-config', 'sim', '--brokers', 'a:1, b:2']).writeConfig).toEqual({
      dir: 'sim',
      brokers: ['a:1', 'b:2'],
    });
    expect(parseSimulatorArgs([]).writeConfig).toBeNull();
    for (const argv of [
      ['--brokers', 'a:1'],
      ['--write-config', 'sim', '--http'],
      ['--write-config', ''],
      ['--write-config', 'sim', '--brokers', 'no-port'],
    ]) {
      expect(
        isConnectorError(
          caught(() => parseSimulatorArgs(argv)),
          ErrorCodes.SIMULATOR_INVALID_OPTIONS,
        ),
        argv.join(' '),
      ).toBe(true);
    }
  });

  it('writes the folder once listening, and a restart keeps port and certificate', async () => {
    const dir = await folder();
    const first = await simulate(['--users', '10', '--write-config', dir]);
    const caFile = join(dir, 'simulator-ca.pem');
    let port: string;
    try {
      port = new URL(first.simulator.graphUrl).port;
      expect(first.lines).toContain(`  Next             npm run connector -- run --config ${dir}/connector.yaml`);
      expect(first.lines.join('\n')).not.toContain('Note');
      expect(await tokenStatus(first.simulator, caFile)).toBe(200);
    } finally {
      await first.simulator.close();
    }
    const ca = await readFile(caFile, 'utf8');

    const second = await simulate(['--users', '10', '--write-config', `${dir}/`]);
    try {
      expect(new URL(second.simulator.graphUrl).port).toBe(port);
      expect(second.simulator.caCertificatePem).toBe(ca);
      expect(await readFile(caFile, 'utf8')).toBe(ca);
      expect(second.lines.join('\n')).not.toContain('Note');
      expect(await tokenStatus(second.simulator, caFile)).toBe(200);
    } finally {
      await second.simulator.close();
    }
  });

  it('takes a free port when the previous one is taken now, and says a connector must be restarted', async () => {
    const dir = await folder();
    const first = await simulate(['--users', '5', '--write-config', dir]);
    const port = Number(new URL(first.simulator.graphUrl).port);
    await first.simulator.close();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const second = await simulate(['--users', '5', '--write-config', dir]);
      try {
        expect(Number(new URL(second.simulator.graphUrl).port)).not.toBe(port);
        expect(second.lines.join('\n')).toContain(`port ${port} of the previous start is taken`);
        expect(await readFile(join(dir, 'connector.yaml'), 'utf8')).toContain(second.simulator.graphUrl);
      } finally {
        await second.simulator.close();
      }
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('passes on start failures other than a taken port, and --port wins over the remembered one', async () => {
    const dir = await folder();
    const boom = new Error('boom');
    await expect(startForConfig({ dir, brokers: ['localhost:9092'] }, {}, () => Promise.reject(boom))).rejects.toBe(
      boom,
    );
    const first = await simulate(['--users', '5', '--write-config', dir, '--port', '0']);
    await first.simulator.close();
    const seen: (number | undefined)[] = [];
    await expect(
      startForConfig({ dir, brokers: ['localhost:9092'] }, { port: 0 }, (options) => {
        seen.push(options.port);
        return Promise.reject(boom);
      }),
    ).rejects.toBe(boom);
    expect(seen).toEqual([0]);
  });

  it('says when a replaced certificate means restarting a connector, and points at npm run broker for 9092', () => {
    const target = { dir: 'sim', brokers: ['localhost:9092'] };
    const base = { simulator: {} as GraphSimulator, tls: { keyPem: '', certPem: '' } };
    const replaced = describeWrittenConfig(target, { ...base, certificate: 'replaced' }).join('\n');
    expect(replaced).toContain('new certificate: a connector started before this simulator must be restarted');
    expect(replaced).toContain('npm run broker -- --port 9092');
    const elsewhere = describeWrittenConfig(
      { dir: 'sim', brokers: ['kafka:9092'] },
      { ...base, certificate: 'new' },
    ).join('\n');
    expect(elsewhere).not.toContain('npm run broker');
    expect(elsewhere).not.toContain('Note');
  });
});
