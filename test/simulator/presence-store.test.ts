import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { userIdAt } from '../../src/simulator/index.js';
import { fetchPresences, page, postPresences, startHarness, tokenFor } from './helpers.js';

describe('presence model', () => {
  it('holds a million users and answers 650 of them in one request', async () => {
    // How fast a million users start is the bench's business (simulator-throughput), not a timed test's.
    const harness = await startHarness({ userCount: 1_000_000, seed: 7 });
    try {
      const token = await tokenFor(harness);
      const ids = Array.from({ length: 650 }, (_, i) => userIdAt(999_999 - i * 1531, 7));
      expect(harness.sim.userIdAt(999_999)).toBe(userIdAt(999_999, 7));
      const value = page(await postPresences(harness, token, { ids })).value;
      expect(value.map((p) => p.id)).toEqual(ids);
    } finally {
      await harness.close();
    }
  });

  it('sets presence fields explicitly, including values the catalog does not know', async () => {
    const harness = await startHarness({ userCount: 10 });
    try {
      const id = harness.sim.userIdAt(3);
      const before = harness.sim.getPresence(id).sequenceNumber ?? '';
      harness.sim.setPresence(id, {
        availability: 'available',
        activity: 'focusing',
        workLocation: { workLocationType: 'office', source: 'manual', placeId: 'building-9' },
      });
      const after = harness.sim.getPresence(id);
      expect(after).toMatchObject({
        availability: 'available',
        activity: 'focusing',
        workLocation: { workLocationType: 'office', source: 'manual', placeId: 'building-9' },
      });
      expect((after.sequenceNumber ?? '') > before).toBe(true);
      harness.sim.setPresence(3, { statusMessage: null, isOutOfOffice: false });
      expect(harness.sim.getPresence(3)).toMatchObject({
        statusMessage: null,
        outOfOfficeSettings: { message: null, isOutOfOffice: false },
      });
      expect(() => harness.sim.setPresence('not-a-user', {})).toThrow(
        expect.objectContaining({ code: ErrorCodes.SIMULATOR_INVALID_OPTIONS }) as Error,
      );
      expect(() => harness.sim.changeUsers([10])).toThrow();
    } finally {
      await harness.close();
    }
  });

  it('removes an expired status message as a change with a new sequence number', async () => {
    const harness = await startHarness({ userCount: 10 });
    try {
      const token = await tokenFor(harness);
      const id = harness.sim.userIdAt(2);
      harness.sim.setPresence(id, { statusMessage: 'Lunch', statusMessageExpiresAfterHours: 1 });
      const withMessage = (await fetchPresences(harness, token, [id])).get(id);
      expect(withMessage?.statusMessage?.message.content).toBe('Lunch');
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 61 * 60 * 1000);
      // The token is valid for 3599 s; one hour and a minute later it has expired too, so take a fresh one.
      const later = (await fetchPresences(harness, await tokenFor(harness), [id])).get(id);
      vi.useRealTimers();
      expect(later?.statusMessage).toBeNull();
      expect((later?.sequenceNumber ?? '') > (withMessage?.sequenceNumber ?? '')).toBe(true);
    } finally {
      vi.useRealTimers();
      await harness.close();
    }
  });
});
