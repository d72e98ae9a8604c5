import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli } from '../support/cli.js';

const COMMANDS = ['run', 'check-config', 'tail', 'simulate'] as const;

describe('presence-connector (main)', () => {
  it('prints the overview: exit 0 for help, --help and -h, 2 without a command', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    const overview = help.stdout.join('\n');
    expect(overview).toMatch(/^Usage: presence-connector <command> \[flags\]\n/);
    for (const command of COMMANDS) expect(overview).toMatch(new RegExp(`^ {2}${command} +\\S`, 'm'));
    expect(overview).toContain('--version, -v');
    for (const flag of ['--help', '-h']) {
      const asked = await runCli([flag]);
      expect([asked.code, asked.stdout.join('\n')]).toEqual([0, overview]);
    }
    const none = await runCli([]);
    expect([none.code, none.stdout.join('\n')]).toEqual([2, overview]);
  }, 60_000);

  it('answers --help and -h of every command, and help COMMAND, in one layout, exit 0, before any flag is checked', async () => {
    const answers = await Promise.all(
      COMMANDS.map(async (command) => ({
        command,
        long: await runCli([command, '--help']),
        // Flags that would be refused, or that are missing, do not matter once help is asked for.
        short: await runCli([command, '--no-such-flag', '-h']),
        viaHelp: await runCli(['help', command]),
      })),
    );
    for (const { command, long, short, viaHelp } of answers) {
      expect(long.code, long.stderr).toBe(0);
      const text = long.stdout.join('\n');
      // The usage line, what the command does, then its flags: --help among them.
      expect(text).toMatch(new RegExp(`^Usage: presence-connector ${command} `));
      expect(text).toMatch(/^Usage: [^\n]+\n(?: {4,}[^\n]+\n)*[A-Z][^\n]+\n[^]*\nFlags:\n {2}--/);
      expect(text).toMatch(/^ {2}--help, -h {13}this help$/m);
      expect([short.code, short.stdout.join('\n')]).toEqual([0, text]);
      expect([viaHelp.code, viaHelp.stdout.join('\n')]).toEqual([0, text]);
    }
  }, 90_000);

  it('prints the version of package.json for --version and -v', async () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect([result.code, result.stdout]).toEqual([0, [version]]);
    }
  });

  it("exits 2 for an unknown command, or a wrong flag with that command's usage", async () => {
    const [unknown, unknownHelp, checkFlag, runFlag, tailValue, simulateFlag] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['help', 'frobnicate']),
      runCli(['check-config', '--colour']),
      runCli(['run', '-c', 'x.yaml', '--shard', 'emea']),
      runCli(['tail', '--topic', 't', '--max', '0']),
      runCli(['simulate', '--colour']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown command "frobnicate"\n\nUsage: presence-connector <command>/);
    expect(unknownHelp.code).toBe(2);
    expect(checkFlag.code).toBe(2);
    expect(checkFlag.stderr).toMatch(/^Unknown option '--colour'.*\n\nUsage: presence-connector check-config --config/);
    expect(runFlag.code).toBe(2);
    expect(runFlag.stderr).toMatch(/^Unknown option '--shard'.*\n\nUsage: presence-connector run --config FILE/);
    expect(tailValue.code).toBe(2);
    expect(tailValue.stderr).toMatch(/^--max expects a whole number .*\n\nUsage: presence-connector tail /);
    expect(simulateFlag.code).toBe(2);
    expect(simulateFlag.stderr).toMatch(/^Unknown option '--colour'.*\n\nUsage: presence-connector simulate /);
  }, 60_000);

  it('exits 2 for a missing --config, and 1 naming the code for a failure', async () => {
    const missing = await runCli(['check-config']);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringMatching(/^--config FILE is required\n\nUsage: presence-connector check-config /) as unknown,
    ]);
    const unreadable = await runCli(['check-config', '--config', '/nonexistent/config.yaml']);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^CONFIG_FILE_UNREADABLE: /);
  });
});
