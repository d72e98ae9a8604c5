import { describe, expect, it } from 'vitest';
import { fetchPresences, startHarness, tokenFor } from './helpers.js';

describe('churn', () => {
  it('bumps the sequence number of exactly the changed users, and it sorts later each time', async () => {
    const harness = await startHarness({ userCount: 500 });
    try {
      const token = await tokenFor(harness);
      const all = harness.sim.userIds().slice(0, 100);
      const changed = all.slice(0, 10);
      let previous = await fetchPresences(harness, token, all);
      for (let round = 0; round < 5; round++) {
        harness.sim.changeUsers(round % 2 === 0 ? changed : changed.map((id) => all.indexOf(id)));
        const current = await fetchPresences(harness, token, all);
        for (const id of all) {
          const before = previous.get(id)?.sequenceNumber ?? '';
          const after = current.get(id)?.sequenceNumber ?? '';
          expect(after).toMatch(/^[A-Z]\d{10}$/);
          if (changed.includes(id)) expect(after > before).toBe(true);
          else expect(after).toBe(before);
        }
        previous = current;
      }
    } finally {
      await harness.close();
    }
  });

  it('changes a configured share of users per tick, and by itself as time passes', async () => {
    const manual = await startHarness({ userCount: 4000, changesPerMinuteShare: 0.25 });
    try {
      const before = manual.sim.userIds().map((id) => manual.sim.getPresence(id).sequenceNumber);
      const changed = manual.sim.tick();
      const after = manual.sim.userIds().map((id) => manual.sim.getPresence(id).sequenceNumber);
      const bumped = after.filter((sequence, i) => sequence !== before[i]).length;
      // 1000 draws with replacement, minus PresenceUnknown users (who never change by themselves).
      expect(changed).toBeGreaterThan(850);
      expect(changed).toBeLessThanOrEqual(1000);
      expect(bumped).toBeLessThanOrEqual(changed);
      expect(bumped).toBeGreaterThan(750);
    } finally {
      await manual.close();
    }

    // 30 changes per user per minute: half a second moves about a fifth of the users.
    const automatic = await startHarness({ userCount: 1000, changesPerMinuteShare: 30, autoChurn: true });
    try {
      const token = await tokenFor(automatic);
      const ids = automatic.sim.userIds().slice(0, 600);
      const first = await fetchPresences(automatic, token, ids);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const second = await fetchPresences(automatic, token, ids);
      const moved = ids.filter((id) => first.get(id)?.sequenceNumber !== second.get(id)?.sequenceNumber).length;
      expect(moved).toBeGreaterThan(30);
    } finally {
      await automatic.close();
    }
  });
});
