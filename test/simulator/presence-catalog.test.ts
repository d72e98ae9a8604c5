import { describe, expect, it } from 'vitest';
import { startHarness } from './helpers.js';

const TEAMS_PAIRS = new Set([
  'Available/Available',
  'AvailableIdle/Available',
  'Away/Away',
  'BeRightBack/BeRightBack',
  'Busy/InACall',
  'Busy/InAConferenceCall',
  'Busy/InAMeeting',
  'Busy/Busy',
  'BusyIdle/Busy',
  'DoNotDisturb/Presenting',
  'DoNotDisturb/DoNotDisturb',
  'DoNotDisturb/Focusing',
  'Offline/Offline',
  'Offline/OffWork',
  'Offline/OutOfOffice',
  'PresenceUnknown/PresenceUnknown',
]);

describe('presence catalog', () => {
  it('gives users realistic availability/activity pairs in varied proportions', async () => {
    const harness = await startHarness({ userCount: 3000 });
    try {
      const counts = new Map<string, number>();
      for (let i = 0; i < 3000; i++) {
        const presence = harness.sim.getPresence(i);
        const pair = `${presence.availability}/${presence.activity}`;
        counts.set(pair, (counts.get(pair) ?? 0) + 1);
        if (pair === 'Offline/OutOfOffice') expect(presence.outOfOfficeSettings?.isOutOfOffice).toBe(true);
      }
      for (const pair of counts.keys()) expect(TEAMS_PAIRS).toContain(pair);
      expect(counts.size).toBeGreaterThanOrEqual(12);
      // No single state dominates.
      expect(Math.max(...counts.values())).toBeLessThan(1000);
    } finally {
      await harness.close();
    }
  });
});
