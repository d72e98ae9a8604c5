import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import { DEFAULT_SEED, userIdAt, userIds } from '../../src/simulator/index.js';
import { userIndexOf } from '../../src/simulator/user-ids.js';
import { fetchPresences, page, postPresences, startHarness, tokenFor } from './helpers.js';

const GUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Pairs Teams reports; the model must not invent others. */
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

describe('user ids', () => {
  it('are deterministic version-4 GUIDs per (index, seed), unique, and map back to their index', () => {
    const list = userIds(20_000);
    expect(new Set(list).size).toBe(20_000);
    // One assertion over all ids: 40,000 separate expect() calls would take a second.
    const wrong = list.filter((id, index) => !GUID_V4.test(id) || userIndexOf(id, 20_000, DEFAULT_SEED) !== index);
    expect(wrong).toEqual([]);
    expect(userIdAt(5)).toBe(list[5]);
    expect(userIdAt(5, 2)).not.toBe(list[5]);
    expect(userIndexOf(userIdAt(5, 2), 20_000, DEFAULT_SEED)).toBe(-1);
    expect(userIndexOf(userIdAt(20_000), 20_000, DEFAULT_SEED)).toBe(-1);
    expect(userIndexOf(list[7]?.toUpperCase() ?? '', 20_000, DEFAULT_SEED)).toBe(7);
  });
});

describe('presence model', () => {
  it('holds a million users and answers 650 of them in one request', async () => {
    const started = performance.now();
    const harness = await startHarness({ userCount: 1_000_000, seed: 7 });
    try {
      // Typed arrays: start-up is a loop over the population, not a million objects.
      expect(performance.now() - started).toBeLessThan(5000);
      const token = await tokenFor(harness);
      const ids = Array.from({ length: 650 }, (_, i) => userIdAt(999_999 - i * 1531, 7));
      expect(harness.sim.userIdAt(999_999)).toBe(userIdAt(999_999, 7));
      const value = page(await postPresences(harness, token, { ids })).value;
      expect(value.map((p) => p.id)).toEqual(ids);
    } finally {
      await harness.close();
    }
  });

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

describe('options', () => {
  it('rejects invalid options with SIMULATOR_INVALID_OPTIONS naming each path', async () => {
    const { startGraphSimulator } = await import('../../src/simulator/index.js');
    const attempt = startGraphSimulator({
      userCount: 0,
      tenantId: 'contoso',
      changesPerMinuteShare: -1,
      budget: { requests: 0 },
      faults: { truncatedJsonShare: 1.5 },
      // @ts-expect-error an unknown option must be reported, not ignored
      colour: 'blue',
    });
    const error: unknown = await attempt.catch((caught: unknown) => caught);
    expect(isConnectorError(error, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    const problems = (error as { details: { problems: string[] } }).details.problems.join('\n');
    for (const path of [
      'options.userCount',
      'options.tenantId',
      'options.changesPerMinuteShare',
      'options.budget.requests',
      'options.faults.truncatedJsonShare',
      'colour',
    ]) {
      expect(problems).toContain(path);
    }
  });

  it('advertises loopback when bound to every interface, and closes twice without error', async () => {
    const harness = await startHarness({ host: '0.0.0.0' });
    expect(harness.sim.graphUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(harness.sim.authorityHost).toBe(new URL(harness.sim.graphUrl).host);
    expect((await postPresences(harness, null, { ids: [] })).status).toBe(401);
    await harness.close();
    await expect(harness.sim.close()).resolves.toBeUndefined();
  });

  it('reports a port already in use as SIMULATOR_INVALID_OPTIONS', async () => {
    const first = await startHarness();
    try {
      const port = Number(new URL(first.sim.graphUrl).port);
      const error: unknown = await startHarness({ port }).catch((caught: unknown) => caught);
      expect(isConnectorError(error, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    } finally {
      await first.close();
    }
  });
});
