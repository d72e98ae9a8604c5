import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkGuid } from '../../src/config/formats.js';
import { filePath, formatted, int, setting, whenValid, whenValidAt } from '../../src/config/schema-common.js';

describe('schema building blocks', () => {
  it('formatted: reports the format check problem as the issue message', () => {
    const guid = formatted(checkGuid);
    expect(guid.safeParse('3f2504e0-4f89-41d3-9a0c-0305e82c3301').success).toBe(true);
    const result = guid.safeParse('nope');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(checkGuid('nope'));
  });

  it('int: integers within the bounds only', () => {
    const small = int(1, 3);
    expect([0, 1, 3, 4, 1.5].map((value) => small.safeParse(value).success)).toEqual([false, true, true, false, false]);
  });

  it('filePath: any non-empty string', () => {
    expect(filePath().safeParse('').success).toBe(false);
    expect(filePath().safeParse('a.pem').success).toBe(true);
  });

  it('setting: returns the metadata unchanged', () => {
    const meta = { description: 'x', secret: true };
    expect(setting(meta)).toBe(meta);
  });

  it('whenValid: runs an object rule despite other failing fields, not when a compared field failed', () => {
    const schema = z.strictObject({ low: int(0, 10), high: int(0, 10), other: z.string() }).superRefine(
      (value, ctx) => {
        if (value.high < value.low) ctx.addIssue({ code: 'custom', path: ['high'], message: 'below low' });
      },
      whenValid('low', 'high'),
    );
    const messages = (input: unknown): string[] =>
      schema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(messages({ low: 5, high: 2, other: 1 })).toEqual([expect.stringMatching(/^other: /), 'high: below low']);
    expect(messages({ low: 50, high: 2, other: 'x' })).toEqual([expect.stringMatching(/^low: /)]);
  });

  it('whenValidAt: skips only for an issue at or under one of its paths, "*" for any index; never on a list', () => {
    const schema = z
      .strictObject({ items: z.array(z.strictObject({ name: z.string(), size: int(0, 9) })), other: z.string() })
      .superRefine(
        (value, ctx) => {
          if (value.items.length > 1) ctx.addIssue({ code: 'custom', path: ['items'], message: 'rule ran' });
        },
        whenValidAt(['items', '*', 'name']),
      );
    const messages = (input: unknown): string[] =>
      schema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    const two = (first: unknown) => [first, { name: 'b', size: 1 }];
    expect(messages({ items: two({ name: 'a', size: 10 }), other: 1 })).toEqual([
      expect.stringMatching(/^items\.0\.size: /),
      expect.stringMatching(/^other: /),
      'items: rule ran',
    ]);
    expect(messages({ items: two({ name: 1, size: 1 }), other: 'x' })).toEqual([
      expect.stringMatching(/^items\.0\.name: /),
    ]);
    expect(whenValidAt().when({ value: [], issues: [] })).toBe(false);
    expect(whenValidAt().when({ value: {}, issues: [] })).toBe(true);
  });
});
