import { describe, expect, it } from 'vitest';
import { page, postPresences, startHarness, tokenFor } from './helpers.js';

describe('recording', () => {
  it('records each request with times, ids count, status, Retry-After and client, and counts by status', async () => {
    const harness = await startHarness({ budget: { requests: 2, windowSeconds: 60 } });
    try {
      const token = await tokenFor(harness);
      const ids = [harness.sim.userIdAt(0), harness.sim.userIdAt(1), harness.sim.userIdAt(2)];
      const wallBefore = Date.now();
      await postPresences(harness, token, { ids });
      await postPresences(harness, null, { ids });
      await postPresences(harness, token, { ids: ids.slice(0, 1) });
      await postPresences(harness, token, { ids });
      const requests = harness.sim.recording.requests();
      expect(requests.map((r) => [r.route, r.status, r.idsCount, r.presencesServed, r.clientId])).toEqual([
        ['token', 200, 0, 0, harness.sim.clientId],
        ['presence', 200, 3, 3, harness.sim.clientId],
        ['presence', 401, 0, 0, null],
        ['presence', 200, 1, 1, harness.sim.clientId],
        ['presence', 429, 0, 0, harness.sim.clientId],
      ]);
      const last = requests.at(-1);
      expect(last?.retryAfter).toMatch(/^\d+\.\d{3}$/);
      expect(last?.atWallMs).toBeGreaterThanOrEqual(wallBefore);
      expect(last?.atMonotonicMs).toBeGreaterThan(requests[1]?.atMonotonicMs ?? Infinity);
      expect(harness.sim.recording.counters()).toEqual({
        requests: 5,
        presenceRequests: 4,
        tokenRequests: 1,
        throttled: 1,
        byStatus: { 200: 3, 401: 1, 429: 1 },
        presencesServed: 4,
      });
      harness.sim.resetRecording();
      expect(harness.sim.recording.requests()).toEqual([]);
      expect(harness.sim.recording.counters().requests).toBe(0);
    } finally {
      await harness.close();
    }
  });

  it('records what each user was served in intact 200 responses, when asked to', async () => {
    const harness = await startHarness({ recordServedPresences: true, budget: { requests: 1000 } });
    try {
      const token = await tokenFor(harness);
      const id = harness.sim.userIdAt(5);
      const first = page(await postPresences(harness, token, { ids: [id] })).value[0];
      harness.sim.changeUsers([id]);
      const second = page(await postPresences(harness, token, { ids: [id.toUpperCase()] })).value[0];
      harness.sim.setFaults({ truncatedJsonShare: 1 });
      await postPresences(harness, token, { ids: [id] });
      harness.sim.setFaults({ truncatedJsonShare: 0, missingSequenceShare: 1 });
      await postPresences(harness, token, { ids: [id] });

      const served = harness.sim.recording.servedFor(id);
      expect(
        served.map(({ sequenceNumber, availability, activity }) => ({ sequenceNumber, availability, activity })),
      ).toEqual([
        { sequenceNumber: first?.sequenceNumber, availability: first?.availability, activity: first?.activity },
        { sequenceNumber: second?.sequenceNumber, availability: second?.availability, activity: second?.activity },
        // The truncated body was not visible to the poller; the one without a number was.
        { sequenceNumber: null, availability: second?.availability, activity: second?.activity },
      ]);
      expect(harness.sim.recording.servedUserIds()).toEqual([id]);
      expect(harness.sim.recording.requests().filter((r) => r.fault === 'truncatedJson')).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('records nothing per user by default, and keeps only the newest requests', async () => {
    const harness = await startHarness({ maxRecordedRequests: 3, budget: { requests: 1000 } });
    try {
      const token = await tokenFor(harness);
      for (let i = 1; i <= 5; i++) await postPresences(harness, token, { ids: harness.sim.userIds().slice(0, i) });
      expect(harness.sim.recording.servedFor(harness.sim.userIdAt(0))).toEqual([]);
      expect(harness.sim.recording.requests().map((r) => r.idsCount)).toEqual([3, 4, 5]);
      expect(harness.sim.recording.counters().presenceRequests).toBe(5);
    } finally {
      await harness.close();
    }
  });
});
