import { afterEach, describe, expect, it, vi } from 'vitest';
import { holdStopSignals, waitForStopSignal } from '../../src/cli/signals.js';

describe('waitForStopSignal', () => {
  const before = { term: process.listeners('SIGTERM'), int: process.listeners('SIGINT') };
  afterEach(() => {
    vi.useRealTimers();
    // The helper leaves its listeners installed on purpose; remove the ones this test added.
    for (const listener of process.listeners('SIGTERM'))
      if (!before.term.includes(listener)) process.off('SIGTERM', listener);
    for (const listener of process.listeners('SIGINT'))
      if (!before.int.includes(listener)) process.off('SIGINT', listener);
  });

  it('resolves with the first signal and ignores a repeat within the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const onRepeat = vi.fn();
    const stopped = waitForStopSignal({ onRepeat, duplicateWindowMs: 1_000 });
    process.emit('SIGINT', 'SIGINT');
    expect(await stopped).toBe('SIGINT');
    vi.setSystemTime(Date.now() + 500);
    process.emit('SIGINT', 'SIGINT');
    expect(onRepeat).not.toHaveBeenCalled();
    vi.setSystemTime(Date.now() + 1_000);
    process.emit('SIGTERM', 'SIGTERM');
    expect(onRepeat).toHaveBeenCalledWith('SIGTERM');
  });
});

describe('holdStopSignals', () => {
  it('notes the first stop signal while held, and leaves the process to its own listeners once released', () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const held = holdStopSignals();
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGINT', 'SIGINT');
    expect(held.release()).toBe('SIGTERM');
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual([before.term, before.int]);
    expect(holdStopSignals().release()).toBeUndefined();
  });
});
