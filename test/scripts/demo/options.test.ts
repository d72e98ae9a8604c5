import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_USAGE, parseDemoArgs } from '../../../scripts/demo/options.js';
import { isDevToolError } from '../../../scripts/support/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The demo's entry as npm runs it (without npm): only the flags are read, nothing is started. */
function runDemo(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the demo flags', () => {
  it('has defaults, and reads every flag', () => {
    expect(parseDemoArgs([])).toEqual({
      help: false,
      options: { users: 2000, churn: 0.2, intervalSeconds: 5, shards: 4, verbose: false, registry: false },
    });
    const all = ['--users', '500', '--churn', '0.5', '--interval', '2', '--shards', '8', '--verbose', '--registry'];
    expect(parseDemoArgs(all)).toEqual({
      help: false,
      options: { users: 500, churn: 0.5, intervalSeconds: 2, shards: 8, verbose: true, registry: true },
    });
  });

  it('answers --help and -h, also beside a mistake', () => {
    for (const args of [['--help'], ['-h'], ['--users', '10', '--help'], ['--colour', '--help']])
      expect(parseDemoArgs(args), args.join(' ')).toEqual({ help: true });
  });

  it('refuses unknown flags, positionals and values out of range, naming them', () => {
    const cases: Array<[string[], string]> = [
      [['--user', '3'], "Unknown option '--user'"],
      [['now'], "Unexpected argument 'now'"],
      [['--users', 'many'], '--users must be between 1 and 100000, got many'],
      [['--users', ''], '--users must be between 1 and 100000, got '],
      [['--churn', '2'], '--churn must be between 0 and 1, got 2'],
      [['--shards', '9'], '--shards must be between 1 and 8, got 9'],
      [['--interval', '0'], '--interval must be between 1 and 3600, got 0'],
    ];
    for (const [args, message] of cases) {
      const error = thrownBy(() => parseDemoArgs(args));
      expect(isDevToolError(error, 'INVALID_OPTION'), args.join(' ')).toBe(true);
      expect((error as Error).message).toContain(message);
    }
  });

  it('documents every flag it reads, in the CLI help layout', () => {
    const lines = DEMO_USAGE.split('\n');
    expect(lines[0]).toMatch(/^Usage: npm run demo -- \[--users N\]/);
    expect(lines).toContain('Flags:');
    const flags = lines.filter((line) => line.startsWith('  --'));
    expect(flags.map((line) => line.trim().split(/[ ,]/)[0])).toEqual([
      '--users',
      '--churn',
      '--interval',
      '--shards',
      '--registry',
      '--verbose',
      '--help',
    ]);
    // Two-space indent, then the text in the column where the CLI's help puts it (src/cli/usage.ts).
    for (const line of flags) expect(line.slice(2, 25).trimEnd().length, line).toBeLessThan(23);
    for (const line of flags) expect(line[25], line).not.toBe(' ');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(110);
  });

  it('prints its usage for --help and exits 0; an unknown flag exits 2 with the usage on stderr', () => {
    const help = runDemo('--help');
    expect([help.code, help.stdout, help.stderr]).toEqual([0, `${DEMO_USAGE}\n`, '']);
    const unknown = runDemo('--colour');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(`Unknown option '--colour'\n\n${DEMO_USAGE}\n`);
  });
});
