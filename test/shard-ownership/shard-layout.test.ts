import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { compareLayouts, layoutOf, parseLayout } from '../../src/shard-ownership/shard-layout.js';

const shard = (name: string, userIds: string[]) => ({ name, userIds });

describe('layoutOf', () => {
  it('records each shard with its user count and a digest independent of the order of its users', () => {
    const layout = layoutOf([shard('a', ['u1', 'u2']), shard('b', ['u3'])]);
    expect(layout.shards.map(({ name, users }) => ({ name, users }))).toEqual([
      { name: 'a', users: 2 },
      { name: 'b', users: 1 },
    ]);
    expect(layout.shards[0]?.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(layoutOf([shard('a', ['u2', 'u1'])]).shards[0]?.digest).toBe(layout.shards[0]?.digest);
    expect(layoutOf([shard('a', ['u1', 'u4'])]).shards[0]?.digest).not.toBe(layout.shards[0]?.digest);
  });
});

describe('compareLayouts', () => {
  it('names the shards added, removed and changed since the last start', () => {
    const before = layoutOf([shard('a', ['u1']), shard('b', ['u2']), shard('c', ['u3'])]);
    const now = layoutOf([shard('a', ['u1']), shard('b', ['u2', 'u9']), shard('d', ['u4'])]);
    expect(compareLayouts(before, now)).toEqual({
      added: ['d'],
      removed: ['c'],
      changed: [{ name: 'b', usersBefore: 1, usersNow: 2 }],
    });
  });

  it('finds nothing when the layout is the same', () => {
    const layout = layoutOf([shard('a', ['u1', 'u2'])]);
    expect(compareLayouts(layout, layoutOf([shard('a', ['u2', 'u1'])]))).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });
});

describe('parseLayout', () => {
  const failureOf = (value: string): unknown => {
    try {
      parseLayout(Buffer.from(value), 'connector.shards');
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('reads back what layoutOf wrote, ignoring fields a newer version may add', () => {
    const layout = layoutOf([shard('a', ['u1']), shard('b', [])]);
    expect(parseLayout(Buffer.from(JSON.stringify(layout)), 'connector.shards')).toEqual(layout);
    const newer = { ...layout, version: 2, shards: layout.shards.map((entry) => ({ ...entry, owner: 'w1' })) };
    expect(parseLayout(Buffer.from(JSON.stringify(newer)), 'connector.shards')).toEqual(layout);
  });

  it('refuses a record that is not JSON, naming the topic, not retriable', () => {
    const error = failureOf('{"shards": [');
    expect(error).toMatchObject({
      code: ErrorCodes.SHARD_LAYOUT_INVALID,
      retriable: false,
      details: { topic: 'connector.shards', key: 'shard-layout' },
    });
    expect((error as Error).message).toMatch(
      /coordination topic connector\.shards is not one this connector wrote: it is not JSON/,
    );
  });

  it('refuses JSON of another shape and says which field is wrong', () => {
    expect((failureOf('{"shards": [{"name": "a", "users": "many", "digest": "d"}]}') as Error).message).toMatch(
      /: shards\.0\.users: .*; delete it/,
    );
    expect(failureOf('[]')).toMatchObject({ code: ErrorCodes.SHARD_LAYOUT_INVALID });
    expect(failureOf('null')).toMatchObject({ code: ErrorCodes.SHARD_LAYOUT_INVALID });
  });
});
