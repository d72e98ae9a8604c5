import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';

describe('Secret', () => {
  it('reveals its value only through reveal()', () => {
    const secret = new Secret('p@ss');
    expect(secret.reveal()).toBe('p@ss');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect(secret)).toBe('[redacted]');
    expect(inspect({ nested: { secret } }, { depth: 5, showHidden: true })).not.toContain('p@ss');
    expect(String(secret)).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect(Object.keys(secret)).toEqual([]);
  });

  it('remembers the file it was read from, without making it a property that shows', () => {
    const fromFile = new Secret('p@ss', '/run/secrets/graph');
    expect(fromFile.file).toBe('/run/secrets/graph');
    expect(new Secret('p@ss').file).toBeUndefined();
    expect(Object.keys(fromFile)).toEqual([]);
    expect(JSON.stringify({ fromFile })).toBe('{"fromFile":"[redacted]"}');
  });
});
