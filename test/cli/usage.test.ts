import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCheckConfigFlags, parseRunFlags } from '../../src/cli/args.js';
import { parseTailArgs } from '../../src/cli/tail-command.js';
import { COMMANDS, formatHelp, helpText, packageVersion } from '../../src/cli/usage.js';
import { parseSimulatorArgs } from '../../src/simulator/index.js';
import { SIMULATOR_CLI_USAGE } from '../../src/simulator/cli.js';
import { tempDir } from '../support/cli.js';

const dir = tempDir('presence-usage-test-');
afterAll(() => dir.remove());

/** The long flags a help text documents. */
function flags(text: string): string[] {
  return [...new Set([...text.matchAll(/--([a-z][a-z-]*)/g)].map((match) => match[1] ?? ''))];
}

/** The long flags of a command's flag column: the text after them may name other flags. */
function listedFlags(command: keyof typeof COMMANDS): string[] {
  return COMMANDS[command].sections.flatMap(({ flags: list }) => list.flatMap(([flag]) => flags(flag)));
}

describe('help texts', () => {
  it('share one layout: usage line, description, then flag sections, flag texts in one column', () => {
    const text = formatHelp({
      synopsis: 'demo --x N\n     [--y]',
      description: 'Does a thing.',
      sections: [
        {
          title: 'Flags',
          flags: [
            ['--x N', 'first line\nsecond line'],
            ['--a-very-long-flag-name V', 'text'],
          ],
        },
      ],
    });
    expect(text).toBe(
      [
        'Usage: presence-connector demo --x N',
        '                               [--y]',
        '',
        'Does a thing.',
        '',
        'Flags:',
        '  --x N                  first line',
        '                         second line',
        '  --a-very-long-flag-name V  text',
      ].join('\n'),
    );
    for (const command of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) {
      const help = helpText(command);
      expect(help.split('\n')[0]).toMatch(new RegExp(`^Usage: presence-connector ${command} `));
      expect(help).toContain('\n\nFlags:\n');
      expect(listedFlags(command)).toContain('help');
      for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(120);
    }
    expect(helpText()).toMatch(/^Usage: presence-connector <command> \[flags\]\n\n/);
  });

  it('document every flag run and check-config accept, and only those', () => {
    expect(listedFlags('run').sort()).toEqual(['config', 'help', 'shards']);
    expect(parseRunFlags(['--config', 'a.yaml', '--shards', 'emea'])).toEqual({ config: 'a.yaml', shards: 'emea' });
    expect(listedFlags('check-config').sort()).toEqual(['config', 'help', 'online']);
    expect(parseCheckConfigFlags(['--config', 'a.yaml', '--online'])).toEqual({ config: 'a.yaml', online: true });
    expect(helpText('check-config')).toMatch(/3: valid, but the shards do not fit/);
  });

  it('document every tail flag, each one tail accepts', () => {
    const documented = listedFlags('tail');
    expect(documented.sort()).toEqual(
      ['brokers', 'config', 'from-beginning', 'help', 'json', 'max', 'schema-registry', 'topic'].sort(),
    );
    const withValue: Record<string, string> = {
      topic: 't',
      brokers: 'localhost:9092',
      max: '3',
      'schema-registry': 'http://localhost:8081',
    };
    for (const flag of documented.filter((name) => name !== 'config')) {
      const value = withValue[flag];
      const args = ['--topic', 't', `--${flag}`, ...(value === undefined ? [] : [value])];
      expect(() => parseTailArgs(args), flag).not.toThrow();
    }
  });

  it("document every simulate flag the simulator accepts, with the simulator's defaults", () => {
    const documented = listedFlags('simulate');
    const accepted = flags(SIMULATOR_CLI_USAGE);
    expect(documented.sort()).toEqual(accepted.sort());
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
      'token-faults': 'throttleShare=0.5',
      'write-config': '/tmp/sim',
      'directory-users': '5',
      groups: '2',
      nesting: '1',
      cycles: '0',
      guests: '0.1',
      disabled: '0.1',
      'directory-churn': '1',
      'directory-budget': '100',
      'page-size': '10',
      'members-per-page': '10',
      'delta-link-lifetime': '60',
      'missing-permission': 'User.Read.All',
    };
    // --brokers names the brokers of the config --write-config writes, so it parses only together with it.
    const alongside: Record<string, string[]> = { brokers: ['localhost:9092', '--write-config', '/tmp/sim'] };
    for (const flag of documented.filter((name) => name !== 'help')) {
      const value = withValue[flag];
      const args = [`--${flag}`, ...(alongside[flag] ?? (value === undefined ? [] : [value]))];
      expect(() => parseSimulatorArgs(args), flag).not.toThrow();
    }
    // Every default the simulator's own usage states is the one this help states.
    const simulate = helpText('simulate');
    for (const line of SIMULATOR_CLI_USAGE.split('\n')) {
      const flag = /^\s*(--[a-z-]+)/.exec(line)?.[1];
      const defaultText = /\(default ([^):;]+)/.exec(line)?.[1];
      if (flag === undefined || defaultText === undefined) continue;
      const ours = simulate.split('\n').find((candidate) => candidate.trimStart().startsWith(`${flag} `));
      expect(ours, flag).toContain(`default ${defaultText}`);
    }
  });
});

describe('packageVersion', () => {
  it("finds the package's package.json above the file, passing over another package's", () => {
    const root = join(dir.path, 'node_modules', 'teams-presence-kafka-connector');
    mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'teams-presence-kafka-connector', version: '9.8.7' }),
    );
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '1.0.0' }));
    writeFileSync(join(root, 'dist', 'src', 'package.json'), 'not json');
    const main = join(root, 'dist', 'src', 'cli', 'main.js');
    expect(packageVersion(pathToFileURL(main).href)).toBe('9.8.7');
    expect(packageVersion(main)).toBe('9.8.7');
  });

  it('says so when there is none', () => {
    expect(() => packageVersion(join(dir.path, 'main.js'))).toThrow(
      /no package\.json of teams-presence-kafka-connector/,
    );
  });
});
