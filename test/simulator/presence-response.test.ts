import { describe, expect, it } from 'vitest';
import { faultInjectionHarness, fetchPresences, page, postPresences } from './helpers.js';

describe('fault injection in 200 responses', () => {
  const fixture = faultInjectionHarness();
  const { ids } = fixture;

  it('serves malformed and truncated JSON bodies with status 200', async () => {
    const full = await postPresences(fixture.harness, fixture.token, { ids: ids(50) });
    fixture.harness.sim.setFaults({ malformedJsonShare: 1 });
    const malformed = await postPresences(fixture.harness, fixture.token, { ids: ids(50) });
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text) as unknown).toThrow(SyntaxError);

    fixture.harness.sim.setFaults({ malformedJsonShare: 0, truncatedJsonShare: 1 });
    const truncated = await postPresences(fixture.harness, fixture.token, { ids: ids(50) });
    expect(truncated.status).toBe(200);
    expect(truncated.text.length).toBeLessThan(full.text.length);
    expect(full.text.startsWith(truncated.text)).toBe(true);
    expect(Number(truncated.headers['content-length'])).toBe(Buffer.byteLength(truncated.text));
    expect(() => JSON.parse(truncated.text) as unknown).toThrow(SyntaxError);
  });

  it('serves repeated and older sequence numbers for changed users', async () => {
    const users = ids(20, 100);
    const before = await fetchPresences(fixture.harness, fixture.token, users);
    fixture.harness.sim.changeUsers(users);
    const after = await fetchPresences(fixture.harness, fixture.token, users);

    fixture.harness.sim.setFaults({ repeatedSequenceShare: 1 });
    const repeated = await fetchPresences(fixture.harness, fixture.token, users);
    fixture.harness.sim.setFaults({ repeatedSequenceShare: 0, olderSequenceShare: 1 });
    const older = await fetchPresences(fixture.harness, fixture.token, users);
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
    fixture.harness.sim.setFaults({ missingSequenceShare: 1 });
    for (const presence of page(await postPresences(fixture.harness, fixture.token, { ids: ids(5) })).value)
      expect(presence.sequenceNumber).toBeNull();
    fixture.harness.sim.setFaults({ missingSequenceAs: 'absent' });
    for (const presence of page(await postPresences(fixture.harness, fixture.token, { ids: ids(5) })).value)
      expect('sequenceNumber' in presence).toBe(false);
  });

  it('applies a share per served user, not all-or-nothing', async () => {
    fixture.harness.sim.setFaults({ missingSequenceShare: 0.5 });
    const value = page(await postPresences(fixture.harness, fixture.token, { ids: ids(400) })).value;
    const missing = value.filter((p) => p.sequenceNumber === null).length;
    expect(missing).toBeGreaterThan(120);
    expect(missing).toBeLessThan(280);
  });
});
