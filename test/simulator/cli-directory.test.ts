import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import {
  DIRECTORY_CLI_USAGE,
  directoryOptionsFromFlags,
  parseDirectoryBudget,
} from '../../src/simulator/cli-directory.js';
import { parseSimulatorArgs, runSimulatorCli } from '../../src/simulator/index.js';

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('simulate command: directory flags', () => {
  it('maps the directory flags to directory options', () => {
    const parsed = parseSimulatorArgs([
      '--users',
      '1000',
      '--directory-users',
      '900',
      '--groups',
      '25',
      '--nesting',
      '3',
      '--cycles',
      '1',
      '--guests',
      '0.1',
      '--disabled',
      '0.05',
      '--directory-churn',
      '30',
      '--directory-budget',
      '5000/10s',
      '--page-size',
      '200',
      '--members-per-page',
      '1000',
      '--delta-link-lifetime',
      '3600',
      '--missing-permission',
      'user.read.all',
      '--missing-permission',
      'GroupMember.Read.All',
    ]);
    expect(parsed.simulator.directory).toEqual({
      initialUsers: 900,
      groupCount: 25,
      nestingDepth: 3,
      cycles: 1,
      guestShare: 0.1,
      disabledShare: 0.05,
      changesPerMinute: 30,
      pageSize: 200,
      membersPerPage: 1000,
      deltaLinkLifetimeSeconds: 3600,
      budget: { resourceUnits: 5000, windowSeconds: 10 },
      faults: { missingPermissions: ['User.Read.All', 'GroupMember.Read.All'] },
    });
    expect(parseSimulatorArgs(['--users', '10']).simulator.directory).toBeUndefined();
    expect(parseDirectoryBudget('8000')).toEqual({ resourceUnits: 8000 });
    expect(directoryOptionsFromFlags({})).toBeUndefined();
  });

  it('rejects unparseable directory flags with SIMULATOR_INVALID_OPTIONS', () => {
    for (const argv of [
      ['--groups', 'many'],
      ['--directory-budget', '8000 per 10s'],
      ['--missing-permission', 'Mail.Read'],
    ]) {
      expect(
        isConnectorError(
          caught(() => parseSimulatorArgs(argv)),
          ErrorCodes.SIMULATOR_INVALID_OPTIONS,
        ),
      ).toBe(true);
    }
  });

  it('documents the flags in the usage and describes the directory when started', async () => {
    expect(DIRECTORY_CLI_USAGE).toContain('--missing-permission');
    const lines: string[] = [];
    const simulator = await runSimulatorCli(
      [
        '--users',
        '100',
        '--groups',
        '4',
        '--missing-permission',
        'User.Read.All',
        '--ca-out',
        join(await mkdtemp(join(tmpdir(), 'sim-dir-')), 'ca.pem'),
      ],
      { print: (line) => lines.push(line) },
    );
    try {
      const output = lines.join('\n');
      expect(output).toContain(`100 users, 4 groups (first ${simulator?.directory.groupIdAt(0) ?? ''})`);
      expect(output).toContain('5000 resource units per 10 s');
      expect(output).toContain('missing User.Read.All');
      expect(simulator?.directory.faults().missingPermissions).toEqual(['User.Read.All']);
    } finally {
      await simulator?.close();
    }
    const help: string[] = [];
    await runSimulatorCli(['--help'], { print: (line) => help.push(line) });
    expect(help.join('\n')).toContain('--directory-churn');
  });
});
