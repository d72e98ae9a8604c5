import { describe, expect, it } from 'vitest';
import { parseSimulatorArgs } from '../../src/simulator/index.js';
import { parseCheckConfigFlags } from '../../src/cli/args.js';
import { CHECK_CONFIG_USAGE, SIMULATE_USAGE, TAIL_USAGE } from '../../src/cli/usage.js';

/** The long flags a usage text documents. */
function flags(usage: string): string[] {
  return [...new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map((match) => match[1] ?? ''))];
}

describe('usage texts', () => {
  it('document every simulate flag, each one the simulator accepts', () => {
    const documented = flags(SIMULATE_USAGE);
    expect(documented).toEqual(expect.arrayContaining(['port', 'users', 'churn', 'http', 'ca-out', 'record-served']));
    const withValue: Record<string, string> = {
      port: '0',
      host: '127.0.0.1',
      users: '10',
      churn: '0.1',
      'latency-ms': '5',
      budget: '100',
      'ca-out': '/tmp/x.pem',
      seed: '2',
      'tenant-id': '6f1d3c9a-2b4e-4f8a-9c7d-5e3b1a0f2d4c',
      'client-id': 'b8e4f2a1-7c3d-4e5f-8a9b-0c1d2e3f4a5b',
      'client-secret': 's',
      'token-lifetime': '60',
      'write-config': '/tmp/sim',
    };
    // --brokers names the brokers of the config --write-config writes, so it parses only together with it.
    const alongside: Record<string, string[]> = { brokers: ['localhost:9092', '--write-config', '/tmp/sim'] };
    for (const flag of documented) {
      const args =
        flag in alongside
          ? [`--${flag}`, ...(alongside[flag] ?? [])]
          : flag in withValue
            ? [`--${flag}`, withValue[flag] ?? '']
            : [`--${flag}`];
      expect(() => parseSimulatorArgs(args), flag).not.toThrow();
    }
  });

  it('document the tail flags, indented as one block of the main usage', () => {
    expect(flags(TAIL_USAGE)).toEqual(
      expect.arrayContaining(['topic', 'brokers', 'config', 'from-beginning', 'json', 'max']),
    );
    for (const text of [CHECK_CONFIG_USAGE, TAIL_USAGE, SIMULATE_USAGE])
      for (const line of text.split('\n')) expect(line.startsWith('  '), line).toBe(true);
  });

  it('document the check-config flags, --online among them, each one check-config accepts', () => {
    expect(CHECK_CONFIG_USAGE.split('\n')[0]).toBe('  check-config --config FILE [--online]');
    expect(flags(CHECK_CONFIG_USAGE).sort()).toEqual(['config', 'online']);
    expect(CHECK_CONFIG_USAGE).toMatch(/--online .*Graph/);
    expect(parseCheckConfigFlags(['--config', 'a.yaml', '--online'])).toEqual({ config: 'a.yaml', online: true });
  });
});
