import { describe, expect, it } from 'vitest';
import { graphGet, idFilter, page, pathOf, postPresences, readRound, startHarness, tokenFor } from './helpers.js';

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

  it('counts directory requests by route and status, and full rounds apart from incremental ones', async () => {
    const harness = await startHarness({ userCount: 120, directory: { pageSize: 50, groupCount: 2 } });
    try {
      const token = await tokenFor(harness);
      const first = await readRound(harness, token, '/v1.0/users/delta?$select=id,accountEnabled');
      const group = harness.sim.directory.groupIdAt(0);
      const groups = await readRound(harness, token, `/v1.0/groups/delta?$filter=${idFilter(group)}&$select=members`);
      await graphGet(harness, null, '/v1.0/users/delta');
      // A connector restarting with its stored links: incremental rounds only.
      harness.sim.resetRecording();
      harness.sim.directory.disableUsers([3]);
      await readRound(harness, token, pathOf(harness, first.deltaLink ?? ''));
      await readRound(harness, token, pathOf(harness, groups.deltaLink ?? ''));
      await graphGet(harness, token, '/v1.0/users/delta?$deltatoken=latest');
      const counters = harness.sim.recording.directoryCounters();
      expect(counters.usersDelta).toEqual({ full: 0, incremental: 1, latest: 1, nextPages: 0, completed: 1 });
      expect(counters.groupsDelta).toEqual({ full: 0, incremental: 1, latest: 0, nextPages: 0, completed: 1 });
      expect(counters.byRoute['users-delta']).toEqual({ requests: 2, byStatus: { 200: 2 } });
      expect(counters.entriesServed).toBe(1);
      expect(counters.resourceUnits).toBe(3);
      const entry = harness.sim.recording.requests().find((request) => request.route === 'users-delta');
      expect(entry?.directory).toEqual({ round: 'incremental', entries: 1, completed: true, resourceUnits: 1 });
      expect(harness.sim.recording.counters().presenceRequests).toBe(0);
    } finally {
      await harness.close();
    }
  });

  it('counts a full round and its pages, and requests refused before a round', async () => {
    const harness = await startHarness({ userCount: 120, directory: { pageSize: 50, groupCount: 1 } });
    try {
      const token = await tokenFor(harness);
      await readRound(harness, token, '/v1.0/users/delta');
      await graphGet(harness, null, '/v1.0/users/delta');
      const counters = harness.sim.recording.directoryCounters();
      expect(counters.usersDelta).toEqual({ full: 1, incremental: 0, latest: 0, nextPages: 2, completed: 1 });
      expect(counters.byRoute['users-delta'].byStatus).toEqual({ 200: 3, 401: 1 });
      expect(counters.requests).toBe(4);
      expect(harness.sim.recording.requests().at(-1)?.directory).toEqual({
        round: null,
        entries: 0,
        completed: false,
        resourceUnits: 0,
      });
    } finally {
      await harness.close();
    }
  });
});
