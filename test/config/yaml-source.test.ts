import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/yaml-source.js';
import { fixture, minimalLines, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

describe('validation: YAML syntax', () => {
  it('reports syntax errors with their line and stops there', () => {
    const { lines } = fixture(['tenant:', '  id: x', ' clientId: y', 'kafka: [']);
    const reported = lines();
    expect(reported.length).toBeGreaterThan(0);
    expect(reported[0]).toMatch(/^config\.yaml:3:\d+: YAML syntax: /);
  });

  it('reports duplicate keys', () => {
    const lines = [...minimalLines(), 'graph:', '  batchSize: 10', '  batchSize: 20'];
    expect(fixture(lines).lines()).toEqual([
      expect.stringMatching(/^config\.yaml:11:3: YAML syntax: Map keys must be unique/),
    ]);
  });
});

describe('parseConfigText', () => {
  const text = ['tenant:', '  id: contoso.com', 'shards:', '  - name: a', '    users:', '      - x', 'empty:'].join(
    '\n',
  );

  it('parses to plain data and locates values and keys by path', () => {
    const result = parseConfigText(text, 'c.yaml');
    if (!result.ok) throw new Error('expected the text to parse');
    expect(result.file.value).toEqual({
      tenant: { id: 'contoso.com' },
      shards: [{ name: 'a', users: ['x'] }],
      empty: null,
    });
    expect(result.file.locate(['tenant', 'id'])).toEqual({ line: 2, column: 7 });
    expect(result.file.locate(['tenant', 'id'], 'key')).toEqual({ line: 2, column: 3 });
    expect(result.file.locate(['shards', 0, 'users', 0])).toEqual({ line: 6, column: 9 });
    // A key with no value points at the key; a missing setting at the deepest section that is there.
    expect(result.file.locate(['empty'])).toEqual({ line: 7, column: 1 });
    expect(result.file.locate(['tenant', 'clientId'])).toEqual({ line: 1, column: 1 });
    expect(result.file.locate(['shards', 5, 'name'])).toEqual({ line: 3, column: 1 });
    expect(result.file.locate(['kafka', 'brokers'])).toBeUndefined();
  });

  it('follows aliases and gives an empty file no value', () => {
    const aliased = parseConfigText('base: &b\n  x: 1\ncopy: *b\n', 'c.yaml');
    if (!aliased.ok) throw new Error('expected the text to parse');
    expect(aliased.file.value).toEqual({ base: { x: 1 }, copy: { x: 1 } });
    expect(aliased.file.locate(['copy', 'x'])).toEqual({ line: 2, column: 6 });
    const empty = parseConfigText('', 'c.yaml');
    expect(empty.ok && empty.file.value).toBeUndefined();
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 6; i++) {
      const name = String.fromCharCode(98 + i);
      const previous = String.fromCharCode(97 + i);
      bomb.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(', ')}]`);
    }
    const result = parseConfigText(bomb.join('\n'), 'c.yaml');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]?.message).toMatch(/^YAML: /);
  });
});
