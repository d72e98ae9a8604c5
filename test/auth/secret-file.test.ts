import { describe, expect, it } from 'vitest';
import { SECRET_FILE_CHECK_INTERVAL_MS, SecretFile } from '../../src/auth/secret-file.js';

function fileOf(contents: { text: string | Error }, clock = { now: 0 }) {
  return new SecretFile(
    '/run/secrets/graph',
    'old-secret',
    () => clock.now,
    async () => {
      if (contents.text instanceof Error) throw contents.text;
      return contents.text;
    },
  );
}

describe('SecretFile', () => {
  it('tells a changed secret from the same one, ignoring surrounding whitespace', async () => {
    const contents: { text: string | Error } = { text: 'old-secret\n' };
    const file = fileOf(contents);
    expect(await file.reread()).toEqual({ outcome: 'unchanged' });
    contents.text = '  new-secret \n';
    expect(await file.reread()).toEqual({ outcome: 'changed', secret: 'new-secret' });
    // The new one is now the current one.
    expect(await file.reread()).toEqual({ outcome: 'unchanged' });
  });

  it('keeps its secret when the file is unreadable or empty, and says why', async () => {
    const contents: { text: string | Error } = { text: Object.assign(new Error('ENOENT: no such file'), {}) };
    const file = fileOf(contents);
    expect(await file.reread()).toEqual({
      outcome: 'unreadable',
      problem: 'cannot read /run/secrets/graph: ENOENT: no such file',
    });
    contents.text = ' \n';
    expect(await file.reread()).toEqual({ outcome: 'unreadable', problem: '/run/secrets/graph is empty' });
    contents.text = 'old-secret';
    expect(await file.reread()).toEqual({ outcome: 'unchanged' });
  });

  it('allows a look at most once per interval, a reread counting as one', async () => {
    const clock = { now: 10_000 };
    const file = fileOf({ text: 'old-secret' }, clock);
    expect(file.checkDue()).toBe(true);
    expect(file.checkDue()).toBe(false);
    clock.now += SECRET_FILE_CHECK_INTERVAL_MS - 1;
    expect(file.checkDue()).toBe(false);
    clock.now += 1;
    await file.reread();
    expect(file.checkDue()).toBe(false);
    clock.now += SECRET_FILE_CHECK_INTERVAL_MS;
    expect(file.checkDue()).toBe(true);
  });
});
