import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { SIMULATOR_CLI_USAGE } from '../../src/simulator/cli.js';
import { parseSimulatorArgs, runSimulatorCli } from '../../src/simulator/index.js';

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('simulate command', () => {
  it('maps flags to options', () => {
    expect(
      parseSimulatorArgs([
        '--port',
        '8443',
        '--users',
        '250000',
        '--churn',
        '0.1',
        '--latency-ms',
        '20-80',
        '--budget',
        '1500/30s',
        '--http',
        '--ca-out',
        '/tmp/ca.pem',
      ]),
    ).toEqual({
      simulator: {
        port: 8443,
        userCount: 250_000,
        changesPerMinuteShare: 0.1,
        tls: false,
        faults: { latency: { kind: 'uniform', minMs: 20, maxMs: 80 } },
        budget: { requests: 1500, windowSeconds: 30 },
      },
      caOut: '/tmp/ca.pem',
      writeConfig: null,
      help: false,
    });
    expect(parseSimulatorArgs(['--latency-ms', '50']).simulator.faults?.latency).toEqual({ kind: 'fixed', ms: 50 });
    expect(parseSimulatorArgs(['--latency-ms', '50~10']).simulator.faults?.latency).toEqual({
      kind: 'normal',
      meanMs: 50,
      stdDevMs: 10,
    });
    expect(parseSimulatorArgs(['--budget', '10000']).simulator.budget).toEqual({ requests: 10_000 });
  });

  it('maps --token-faults NAME=VALUE pairs to the token endpoint faults, and lists them in the usage', () => {
    expect(
      parseSimulatorArgs(['--token-faults', 'throttleShare=0.5,delayMs=2000,serverErrorStatuses=503/504']).simulator
        .tokenFaults,
    ).toEqual({ throttleShare: 0.5, delayMs: 2000, serverErrorStatuses: [503, 504] });
    expect(SIMULATOR_CLI_USAGE).toMatch(/--token-faults SPEC/);
    for (const name of ['throttleShare', 'serverErrorShare', 'delayMs', 'notJsonShare', 'missingAccessTokenShare']) {
      expect(SIMULATOR_CLI_USAGE).toContain(name);
    }
  });

  it('rejects unknown flags and unparseable values with SIMULATOR_INVALID_OPTIONS', () => {
    for (const argv of [
      ['--colour', 'blue'],
      ['--users', 'many'],
      ['--latency-ms', 'slow'],
      ['--budget', '1500 per 30s'],
      ['--token-faults', 'throttle=1'],
      ['--token-faults', 'throttleShare=high'],
    ]) {
      expect(
        isConnectorError(
          caught(() => parseSimulatorArgs(argv)),
          ErrorCodes.SIMULATOR_INVALID_OPTIONS,
        ),
      ).toBe(true);
    }
  });

  it('starts, writes the CA certificate where asked, and prints what a connector config needs', async () => {
    const caOut = join(await mkdtemp(join(tmpdir(), 'sim-cli-')), 'ca.pem');
    const lines: string[] = [];
    const simulator = await runSimulatorCli(['--users', '100', '--ca-out', caOut], {
      print: (line) => lines.push(line),
    });
    expect(simulator).not.toBeNull();
    try {
      const ca = await readFile(caOut, 'utf8');
      expect(ca).toBe(simulator?.caCertificatePem);
      const output = lines.join('\n');
      for (const value of [
        simulator?.graphUrl,
        simulator?.authorityUrl,
        simulator?.tenantId,
        simulator?.clientId,
        simulator?.clientSecret,
        caOut,
      ]) {
        expect(output).toContain(value);
      }
      // The printed CA is the one the server presents.
      const agent = new Agent({ connect: { ca } });
      const response = await request(`${simulator?.authorityUrl ?? ''}/v2.0/.well-known/openid-configuration`, {
        dispatcher: agent,
      });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
      await agent.close();
    } finally {
      await simulator?.close();
    }
  });

  it('prints usage for --help without starting', async () => {
    const lines: string[] = [];
    expect(await runSimulatorCli(['--help'], { print: (line) => lines.push(line) })).toBeNull();
    expect(lines.join('\n')).toContain('--latency-ms');
  });

  it('serves plain HTTP with --http', async () => {
    const simulator = await runSimulatorCli(
      ['--http', '--users', '10', '--ca-out', join(await mkdtemp(join(tmpdir(), 'sim-cli-')), 'ca.pem')],
      { print: () => undefined },
    );
    try {
      expect(simulator?.graphUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await request(`${simulator?.graphUrl ?? ''}/v1.0/communications/getPresencesByUserId`, {
        method: 'POST',
        body: '{"ids":[]}',
      });
      expect(response.statusCode).toBe(401);
      await response.body.dump();
    } finally {
      await simulator?.close();
    }
  });
});
