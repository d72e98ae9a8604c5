import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('presence-connector (main)', () => {
  it('prints the usage: exit 0 for help, 2 without a command', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    const usage = help.stdout.join('\n');
    for (const command of ['run --config FILE', 'check-config --config FILE', '  tail ', '  simulate '])
      expect(usage).toContain(command);
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout.join('\n')).toBe(usage);
  });

  it('exits 2 for an unknown command or flag, and 1 naming the code for a failure', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown command "frobnicate"/);
    const badFlag = await runCli(['check-config', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('Run "presence-connector help"');
    const missing = await runCli(['check-config']);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining('--config FILE is required') as unknown,
    ]);
    const unreadable = await runCli(['check-config', '--config', '/nonexistent/config.yaml']);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(/^CONFIG_FILE_UNREADABLE: /);
  });
});
