/** Running helper commands and reading the end of their output, for error messages a person can act on. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DevToolError } from './errors.js';

/** ESC [ ... m, built from the char code: a literal ESC in a regex literal reads as a typo (no-control-regex). */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');

/** The last `max` characters, without ANSI colour codes (Maven's jansi prints them even with -B; they garble errors). */
export function tailText(text: string, max: number): string {
  const clean = text.replace(ANSI_COLOUR, '');
  return clean.length <= max ? clean : clean.slice(clean.length - max);
}

/** Java stack frames crowd the actual error out of a log's tail. */
export function withoutStackFrames(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line))
    .join('\n');
}

/** The end of a log file without stack frames; '' when there is no file yet (the process died before writing). */
export function readLogTail(file: string, max = 4000): string {
  if (!existsSync(file)) return '';
  return tailText(withoutStackFrames(readFileSync(file, 'utf8')), max);
}

export interface CollectedRun {
  code: number;
  output: string;
}

/**
 * Runs a command to completion and returns its exit code and the last 64 kB of stdout+stderr. Not being able to
 * start it at all (ENOENT) is an error with `hint` appended, e.g. what to install.
 */
export function runCollecting(command: string, args: string[], cwd: string, hint = ''): Promise<CollectedRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = tailText(output + chunk.toString('utf8'), 64_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      reject(
        new DevToolError('COMMAND_FAILED', `Could not run ${command}: ${error.message}.${hint ? ` ${hint}` : ''}`, {
          cause: error,
          details: { command },
        }),
      );
    });
    child.on('close', (code) => resolveRun({ code: code ?? 1, output }));
  });
}

/**
 * The repository root: the nearest folder with a package.json above `start`. Walking up rather than a fixed '../..'
 * keeps this working from a compiled copy under dist/.
 */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(start, '..', '..');
  }
}
