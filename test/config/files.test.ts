import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { absolutePath, displayPath, osReason, readBytes, readText } from '../../src/config/files.js';

const dir = mkdtempSync(path.join(tmpdir(), 'presence-files-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config files', () => {
  it('read text without a byte order mark, and bytes as they are', () => {
    const file = path.join(dir, 'bom.txt');
    writeFileSync(file, '\uFEFFhello');
    expect(readText(file)).toEqual({ ok: true, text: 'hello' });
    const bytes = readBytes(file);
    expect(bytes.ok && bytes.bytes.length).toBe(8);
  });

  it('give the OS reason when a file cannot be read', () => {
    const missing = path.join(dir, 'missing.txt');
    expect(readText(missing)).toEqual({ ok: false, reason: 'ENOENT: no such file or directory' });
    expect(readBytes(dir)).toEqual({ ok: false, reason: 'EISDIR: illegal operation on a directory' });
    const coded = Object.assign(new Error('something odd'), { code: 'EODD' });
    expect(osReason(coded)).toBe('EODD: something odd');
    expect(osReason('plain')).toBe('plain');
  });

  it('resolve setting paths against the config file, or as given from the environment', () => {
    const base = { configFile: 'conf/config.yaml', cwd: '/srv' };
    expect(displayPath(base, 'users.txt', false)).toBe(path.join('conf', 'users.txt'));
    expect(displayPath(base, 'users.txt', true)).toBe('users.txt');
    expect(displayPath(base, '/etc/users.txt', false)).toBe('/etc/users.txt');
    expect(absolutePath(base, 'users.txt', false)).toBe('/srv/conf/users.txt');
    expect(absolutePath(base, 'users.txt', true)).toBe('/srv/users.txt');
  });
});
