import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDevToolError, readLogTail, runCollecting, tailText } from '../../../scripts/support/index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('command output for error messages', () => {
  it('tailText keeps the end and drops ANSI colour codes', () => {
    const esc = String.fromCharCode(0x1b);
    expect(tailText(`${esc}[1;31mERROR${esc}[m boom`, 100)).toBe('ERROR boom');
    expect(tailText('abcdef', 3)).toBe('def');
  });

  it('readLogTail leaves Java stack frames out, and is empty for a missing file', () => {
    dir = mkdtempSync(join(tmpdir(), 'output-test-'));
    const file = join(dir, 'broker.log');
    writeFileSync(
      file,
      'ERROR Fatal error during broker startup\njava.net.BindException: Address already in use\n' +
        '\tat sun.nio.ch.Net.bind(Net.java:565)\n\t... 12 more\nshutting down\n',
    );
    expect(readLogTail(file)).toBe(
      'ERROR Fatal error during broker startup\njava.net.BindException: Address already in use\nshutting down\n',
    );
    expect(readLogTail(join(dir, 'missing.log'))).toBe('');
  });

  it('runCollecting returns exit code and output, and names a command that cannot run', async () => {
    const run = await runCollecting(
      process.execPath,
      ['-e', 'console.log("out"); console.error("err"); process.exit(3)'],
      '.',
    );
    expect(run.code).toBe(3);
    expect(run.output).toContain('out');
    expect(run.output).toContain('err');
    const error: unknown = await runCollecting('no-such-command-here', [], '.', 'Install it.').catch(
      (thrown: unknown) => thrown,
    );
    expect(isDevToolError(error, 'COMMAND_FAILED')).toBe(true);
    expect(String(error)).toMatch(/no-such-command-here.*Install it\./);
  });
});
