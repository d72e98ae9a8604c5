import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import type { SimulatorFaults } from '../../src/simulator/index.js';
import {
  fetchPresences,
  graphErrorBody,
  page,
  postPresences,
  startHarness,
  tokenFor,
  type Harness,
} from './helpers.js';

describe('fault injection', () => {
  let harness: Harness;
  let token: string;
  let defaults: SimulatorFaults;
  const ids = (count: number, from = 0): string[] =>
    Array.from({ length: count }, (_, i) => harness.sim.userIdAt(from + i));

  beforeAll(async () => {
    harness = await startHarness({ userCount: 2000, budget: { requests: 100_000 } });
    token = await tokenFor(harness);
    defaults = harness.sim.faults();
  });
  afterEach(() => harness.sim.setFaults(defaults));
  afterAll(() => harness.close());

  it('adds fixed, uniform and normal-ish latency', async () => {
    const durations = async (count: number): Promise<number[]> => {
      harness.sim.resetRecording();
      for (let i = 0; i < count; i++) await postPresences(harness, token, { ids: ids(1) });
      return harness.sim.recording.requests().map((r) => r.durationMs);
    };
    harness.sim.setFaults({ latency: { kind: 'fixed', ms: 120 } });
    const started = performance.now();
    await postPresences(harness, token, { ids: ids(1) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(119);

    harness.sim.setFaults({ latency: { kind: 'uniform', minMs: 30, maxMs: 60 } });
    for (const duration of await durations(6)) {
      expect(duration).toBeGreaterThanOrEqual(29);
      expect(duration).toBeLessThan(200);
    }
    harness.sim.setFaults({ latency: { kind: 'normal', meanMs: 40, stdDevMs: 0 } });
    for (const duration of await durations(3)) expect(duration).toBeGreaterThanOrEqual(39);
  });

  it('answers 500/503/504 with and without Retry-After', async () => {
    harness.sim.setFaults({
      serverErrorShare: 1,
      serverErrorStatuses: [503],
      serverErrorRetryAfterShare: 1,
      serverErrorRetryAfterSeconds: 2.5,
    });
    const unavailable = await postPresences(harness, token, { ids: ids(1) });
    expect([unavailable.status, unavailable.headers['retry-after'], graphErrorBody(unavailable).error.code]).toEqual([
      503,
      '2.5',
      'ServiceNotAvailable',
    ]);

    harness.sim.setFaults({ serverErrorStatuses: [500, 504], serverErrorRetryAfterShare: 0 });
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const result = await postPresences(harness, token, { ids: ids(1) });
      expect(result.headers['retry-after']).toBeUndefined();
      seen.add(result.status);
    }
    expect([...seen].sort()).toEqual([500, 504]);
    expect(harness.sim.recording.requests().at(-1)?.fault).toBe('serverError');
  });

  it('serves malformed and truncated JSON bodies with status 200', async () => {
    const full = await postPresences(harness, token, { ids: ids(50) });
    harness.sim.setFaults({ malformedJsonShare: 1 });
    const malformed = await postPresences(harness, token, { ids: ids(50) });
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text) as unknown).toThrow(SyntaxError);

    harness.sim.setFaults({ malformedJsonShare: 0, truncatedJsonShare: 1 });
    const truncated = await postPresences(harness, token, { ids: ids(50) });
    expect(truncated.status).toBe(200);
    expect(truncated.text.length).toBeLessThan(full.text.length);
    expect(full.text.startsWith(truncated.text)).toBe(true);
    expect(Number(truncated.headers['content-length'])).toBe(Buffer.byteLength(truncated.text));
    expect(() => JSON.parse(truncated.text) as unknown).toThrow(SyntaxError);
  });

  it('rejects a request with a non-GUID id (400 BadRequest), or omits the id', async () => {
    const request = { ids: [harness.sim.userIdAt(1), 'alice@contoso.com'] };
    const rejected = await postPresences(harness, token, request);
    expect(rejected.status).toBe(400);
    expect(graphErrorBody(rejected).error).toMatchObject({
      code: 'BadRequest',
      message: expect.stringContaining('alice@contoso.com') as unknown,
    });

    harness.sim.setFaults({ nonGuidIds: 'omit' });
    const omitted = await postPresences(harness, token, request);
    expect(page(omitted).value.map((p) => p.id)).toEqual([harness.sim.userIdAt(1)]);
  });

  it('serves repeated and older sequence numbers for changed users', async () => {
    const users = ids(20, 100);
    const before = await fetchPresences(harness, token, users);
    harness.sim.changeUsers(users);
    const after = await fetchPresences(harness, token, users);

    harness.sim.setFaults({ repeatedSequenceShare: 1 });
    const repeated = await fetchPresences(harness, token, users);
    harness.sim.setFaults({ repeatedSequenceShare: 0, olderSequenceShare: 1 });
    const older = await fetchPresences(harness, token, users);
    for (const id of users) {
      // Premise: every change moves the user to another state under a higher number.
      expect(after.get(id)?.sequenceNumber ?? '').not.toBe(before.get(id)?.sequenceNumber);
      expect(`${after.get(id)?.availability}/${after.get(id)?.activity}`).not.toBe(
        `${before.get(id)?.availability}/${before.get(id)?.activity}`,
      );
      // Repeated: the current state under the number served before the change.
      expect(repeated.get(id)?.sequenceNumber).toBe(before.get(id)?.sequenceNumber);
      expect(repeated.get(id)?.availability).toBe(after.get(id)?.availability);
      expect(repeated.get(id)?.activity).toBe(after.get(id)?.activity);
      // Older: the state and number from before the change, as a stale replica would answer.
      expect(older.get(id)?.sequenceNumber).toBe(before.get(id)?.sequenceNumber);
      expect(older.get(id)?.availability).toBe(before.get(id)?.availability);
      expect(older.get(id)?.activity).toBe(before.get(id)?.activity);
    }
  });

  it('serves presences without a sequence number, as null or without the property', async () => {
    harness.sim.setFaults({ missingSequenceShare: 1 });
    for (const presence of page(await postPresences(harness, token, { ids: ids(5) })).value)
      expect(presence.sequenceNumber).toBeNull();
    harness.sim.setFaults({ missingSequenceAs: 'absent' });
    for (const presence of page(await postPresences(harness, token, { ids: ids(5) })).value)
      expect('sequenceNumber' in presence).toBe(false);
  });

  it('applies a share per served user, not all-or-nothing', async () => {
    harness.sim.setFaults({ missingSequenceShare: 0.5 });
    const value = page(await postPresences(harness, token, { ids: ids(400) })).value;
    const missing = value.filter((p) => p.sequenceNumber === null).length;
    expect(missing).toBeGreaterThan(120);
    expect(missing).toBeLessThan(280);
  });

  it('forces 403 Forbidden and 401 InvalidAuthenticationToken', async () => {
    harness.sim.setFaults({ forbidden: true });
    const forbidden = await postPresences(harness, token, { ids: ids(1) });
    expect([forbidden.status, graphErrorBody(forbidden).error.code]).toEqual([403, 'Forbidden']);
    harness.sim.setFaults({ forbidden: false, unauthorized: true });
    const unauthorized = await postPresences(harness, token, { ids: ids(1) });
    expect([unauthorized.status, graphErrorBody(unauthorized).error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });

  it('revokes every issued token; tokens issued afterwards work', async () => {
    const old = await tokenFor(harness);
    harness.sim.revokeTokens();
    const revoked = await postPresences(harness, old, { ids: ids(1) });
    expect(revoked.status).toBe(401);
    expect(graphErrorBody(revoked).error.message).toMatch(/TokenIssuedBeforeRevocationTimestamp/);
    token = await tokenFor(harness);
    expect((await postPresences(harness, token, { ids: ids(1) })).status).toBe(200);
  });

  it('rejects invalid faults with SIMULATOR_INVALID_OPTIONS and keeps the current ones', () => {
    harness.sim.setFaults({ malformedJsonShare: 0.25 });
    let thrown: unknown;
    try {
      harness.sim.setFaults({ serverErrorShare: 2, latency: { kind: 'uniform', minMs: 10, maxMs: 5 } });
    } catch (error) {
      thrown = error;
    }
    expect(isConnectorError(thrown, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    expect((thrown as Error).message).toMatch(/faults\.serverErrorShare/);
    expect((thrown as Error).message).toMatch(/faults\.latency\.maxMs/);
    expect(harness.sim.faults()).toMatchObject({ malformedJsonShare: 0.25, serverErrorShare: 0, latency: null });
  });
});
