import { describe, expect, it } from 'vitest';
import { closeAfter } from '../../src/kafka/closing.js';

function debugLog() {
  const lines: Array<{ message: string; extra: object | undefined }> = [];
  return { lines, debug: (message: string, extra?: object) => void lines.push({ message, extra }) };
}

describe('closeAfter', () => {
  it('returns what the work returned and closes once', async () => {
    const log = debugLog();
    let closed = 0;
    await expect(
      closeAfter(
        async () => 7,
        async () => void closed++,
        log,
        'the admin',
      ),
    ).resolves.toBe(7);
    expect(closed).toBe(1);
    expect(log.lines).toEqual([]);
  });

  it('closes after a failed work and reports the work failure', async () => {
    let closed = 0;
    const failure = new Error('work failed');
    await expect(
      closeAfter(
        () => Promise.reject(failure),
        async () => void closed++,
        debugLog(),
        'the admin',
      ),
    ).rejects.toBe(failure);
    expect(closed).toBe(1);
  });

  it('logs a failing close after a failed work at debug, so it cannot hide the work failure', async () => {
    const log = debugLog();
    const failure = new Error('work failed');
    await expect(
      closeAfter(
        () => Promise.reject(failure),
        () => Promise.reject(new Error('socket closed')),
        log,
        'the admin',
      ),
    ).rejects.toBe(failure);
    expect(log.lines).toEqual([
      { message: 'closing the admin after a failure failed too', extra: { error: 'socket closed' } },
    ]);
  });

  it('reports a failing close after a successful work: nothing else would', async () => {
    const closeFailure = new Error('socket closed');
    await expect(
      closeAfter(
        async () => 7,
        () => Promise.reject(closeFailure),
        debugLog(),
        'x',
      ),
    ).rejects.toBe(closeFailure);
  });
});
