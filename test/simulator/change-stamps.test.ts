import { describe, expect, it, vi } from 'vitest';
import { ChangeStamps, wallClockMs } from '../../src/simulator/change-stamps.js';
import { fetchPresences, startHarness, tokenFor } from './helpers.js';

function digits(sequenceNumber: string | null | undefined): number {
  return Number((sequenceNumber ?? '').slice(1));
}

describe('change stamps', () => {
  it('stamps nothing until started, then every change with its user, sequence value and time', () => {
    let clock = 1000;
    const stamps = new ChangeStamps(() => clock, 10);
    stamps.record(1, 100);
    expect(stamps.size).toBe(0);
    stamps.start();
    stamps.record(1, 101);
    clock = 1500;
    stamps.record(2, 102);
    stamps.record(3, 103, 900);
    expect(stamps.page(0, 10)).toEqual({
      from: 0,
      userIndex: [1, 2, 3],
      sequence: [101, 102, 103],
      atMs: [1000, 1500, 900],
      dropped: 0,
    });
    expect(stamps.page(1, 1)).toMatchObject({ from: 1, userIndex: [2] });
    expect(stamps.page(7, 5)).toMatchObject({ from: 3, userIndex: [] });
    stamps.stop();
    stamps.record(4, 104);
    expect(stamps.size).toBe(3);
  });

  it('grows past its first capacity, keeps at most its maximum and counts the rest as dropped', () => {
    const stamps = new ChangeStamps(() => 0, 5000);
    stamps.start();
    for (let i = 0; i < 5003; i++) stamps.record(i, i);
    expect(stamps.size).toBe(5000);
    const page = stamps.page(4990, 100);
    expect(page.userIndex).toEqual([4990, 4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999]);
    expect(page.dropped).toBe(3);
    stamps.clear();
    expect(stamps.page(0, 10)).toMatchObject({ userIndex: [], dropped: 0 });
    expect(stamps.stamping).toBe(true);
  });

  it('matches what the presence endpoint serves, and resetRecording forgets the stamps', async () => {
    const harness = await startHarness({ userCount: 20 });
    try {
      const { sim } = harness;
      sim.changeUsers([4]);
      expect(sim.recording.changes.size).toBe(0);
      sim.recording.changes.start();
      const before = wallClockMs();
      sim.changeUsers([5, 7]);
      sim.setPresence(5, { availability: 'Away', activity: 'Away' });
      const after = wallClockMs();
      const page = sim.recording.changes.page(0, 100);
      expect(page.userIndex).toEqual([5, 7, 5]);
      expect(page.sequence[2]).toBe(digits(sim.getPresence(5).sequenceNumber));
      expect(page.sequence[1]).toBe(digits(sim.getPresence(7).sequenceNumber));
      for (const at of page.atMs) expect(at >= before && at <= after).toBe(true);
      sim.resetRecording();
      expect(sim.recording.changes.size).toBe(0);
    } finally {
      await harness.close();
    }
  });

  it('stamps an expired status message at its expiry time, not when it is next served', async () => {
    const harness = await startHarness({ userCount: 10 });
    try {
      const { sim } = harness;
      const id = sim.userIdAt(2);
      const earliest = Math.floor(Date.now() / 1000);
      sim.setPresence(id, { statusMessage: 'Lunch', statusMessageExpiresAfterHours: 1 });
      const latest = Math.floor(Date.now() / 1000);
      sim.recording.changes.start();
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 61 * 60 * 1000);
      const served = (await fetchPresences(harness, await tokenFor(harness), [id])).get(id);
      vi.useRealTimers();
      const page = sim.recording.changes.page(0, 10);
      expect(page.userIndex).toEqual([2]);
      expect(page.sequence).toEqual([digits(served?.sequenceNumber)]);
      const expiredAt = page.atMs[0] ?? 0;
      expect([(earliest + 3600) * 1000, (latest + 3600) * 1000]).toContain(expiredAt);
    } finally {
      vi.useRealTimers();
      await harness.close();
    }
  });
});
