import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import {
  configInvalidError,
  describeValue,
  formatLocation,
  formatPath,
  formatProblem,
  quote,
  sortProblems,
  type ConfigProblem,
} from '../../src/config/problems.js';

describe('config problems', () => {
  it('format paths with keys and indexes', () => {
    expect(formatPath(['shards', 1, 'users', 3])).toBe('shards[1].users[3]');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath([])).toBe('');
  });

  it('place a problem in the file, a data file line, or a variable', () => {
    expect(formatLocation({ file: 'c.yaml', line: 14, column: 7 })).toBe('c.yaml:14:7');
    expect(formatLocation({ file: 'u.txt', line: 12 })).toBe('u.txt:12');
    expect(formatLocation({ file: 'c.yaml', line: 3, envVar: 'PRESENCE_X' })).toBe('env PRESENCE_X');
    expect(formatLocation({ file: 'c.yaml' })).toBe('c.yaml');
  });

  it('print one line per problem; data-file lines and pathless problems without the path', () => {
    const at = { file: 'c.yaml', line: 14, column: 7, path: 'shards[1].users[3]', message: '"abc" is not a GUID' };
    expect(formatProblem(at)).toBe('c.yaml:14:7 shards[1].users[3]: "abc" is not a GUID');
    expect(formatProblem({ file: 'u.txt', line: 2, path: 'shards[0].usersFile', message: 'bad' })).toBe('u.txt:2: bad');
    expect(formatProblem({ file: 'c.yaml', path: '', message: 'YAML' })).toBe('c.yaml: YAML');
    expect(formatProblem({ file: 'c.yaml', envVar: 'PRESENCE_A', path: 'a', message: 'm' })).toBe(
      'env PRESENCE_A a: m',
    );
  });

  it('sort the config file by position, then variables, then other files in first-reported order', () => {
    const p = (file: string, line?: number, column?: number, envVar?: string): ConfigProblem => ({
      file,
      path: `${file}:${line ?? ''}:${column ?? ''}:${envVar ?? ''}`,
      message: 'm',
      ...(line === undefined ? {} : { line }),
      ...(column === undefined ? {} : { column }),
      ...(envVar === undefined ? {} : { envVar }),
    });
    const problems = [
      p('b.txt', 9),
      p('c.yaml', 5, 3),
      p('a.txt', 1),
      p('c.yaml', undefined, undefined, 'E'),
      p('c.yaml', 5, 1),
      p('b.txt', 2),
      p('c.yaml', 2, 9),
    ];
    expect(sortProblems(problems, 'c.yaml').map((problem) => problem.path)).toEqual([
      'c.yaml:2:9:',
      'c.yaml:5:1:',
      'c.yaml:5:3:',
      'c.yaml:::E',
      'b.txt:9::',
      'b.txt:2::',
      'a.txt:1::',
    ]);
  });

  it('throw one CONFIG_INVALID error with every problem, counted', () => {
    const one = configInvalidError([{ file: 'c.yaml', line: 1, column: 1, path: 'a', message: 'm' }], 'c.yaml');
    expect(one.code).toBe(ErrorCodes.CONFIG_INVALID);
    expect(one.message).toBe('Invalid configuration c.yaml (1 problem):\n  c.yaml:1:1 a: m');
    const two = configInvalidError(
      [
        { file: 'c.yaml', line: 9, column: 1, path: 'b', message: 'm' },
        { file: 'c.yaml', line: 1, column: 1, path: 'a', message: 'm' },
      ],
      'c.yaml',
    );
    expect(two.message.split('\n')).toEqual([
      'Invalid configuration c.yaml (2 problems):',
      '  c.yaml:1:1 a: m',
      '  c.yaml:9:1 b: m',
    ]);
    expect((two.details.problems as ConfigProblem[]).map((problem) => problem.path)).toEqual(['a', 'b']);
  });

  it('describe values without dumping them, and shorten quoted strings', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(null)).toBe('null (empty)');
    expect(describeValue('x')).toBe('"x"');
    expect(describeValue(3)).toBe('3');
    expect(describeValue(true)).toBe('true');
    expect(describeValue([1])).toBe('a list');
    expect(describeValue({ a: 1 })).toBe('a mapping');
    expect(describeValue(new Date('2026-01-01T00:00:00Z'))).toBe('a date (2026-01-01T00:00:00.000Z)');
    expect(quote('a'.repeat(100))).toBe(`"${'a'.repeat(80)}..."`);
    expect(quote('say "hi"')).toBe('"say \\"hi\\""');
  });
});
