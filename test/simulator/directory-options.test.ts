import { describe, expect, it } from 'vitest';
import { ErrorCodes, isConnectorError } from '../../src/errors.js';
import {
  directorySchema,
  mergeDirectoryFaults,
  resourceUnitsForTenant,
  SEVEN_DAYS_SECONDS,
} from '../../src/simulator/directory-options.js';
import { resolveSimulatorOptions } from '../../src/simulator/options.js';

function problems(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(isConnectorError(error, ErrorCodes.SIMULATOR_INVALID_OPTIONS)).toBe(true);
    return (error as { details: { problems: string[] } }).details.problems.join('\n');
  }
  throw new Error('expected a failure');
}

describe('directory options', () => {
  it('fills the defaults: seven-day delta links, all permissions, no faults, budget by tenant size', () => {
    const { directory } = resolveSimulatorOptions({});
    expect(directory).toMatchObject({
      initialUsers: null,
      deltaLinkLifetimeSeconds: SEVEN_DAYS_SECONDS,
      changesPerMinute: 0,
      groupLayout: null,
      budget: { resourceUnits: null, windowSeconds: 10, retryAfterFormat: 'integer' },
      faults: {
        expiredDeltaLinkStatus: 400,
        missingPermissions: [],
        duplicatePageShare: 0,
        emptyPageShare: 0,
        throttleRetryAfter: 'present',
      },
    });
  });

  it('sizes the budget as Graph documents per tenant size (S under 50 users, M to 500, L above)', () => {
    expect([1, 49, 50, 500, 501, 1_000_000].map(resourceUnitsForTenant)).toEqual([3500, 3500, 5000, 5000, 8000, 8000]);
  });

  it('rejects what cannot be built, naming each path', () => {
    const found = problems(() =>
      resolveSimulatorOptions({
        userCount: 10,
        directory: {
          guestShare: 2,
          faults: { missingPermissions: ['Mail.Read' as 'User.Read.All'] },
        },
      }),
    );
    for (const path of ['directory.guestShare', 'directory.faults.missingPermissions']) expect(found).toContain(path);
    // Checks across options run once each part is valid on its own.
    expect(problems(() => resolveSimulatorOptions({ userCount: 10, directory: { initialUsers: 11 } }))).toContain(
      'options.directory.initialUsers',
    );
    expect(directorySchema.safeParse({ nestingDepth: 0, cycles: 1 }).success).toBe(false);
    expect(directorySchema.safeParse({ groupLayout: [{ groups: [1] }] }).success).toBe(false);
    expect(
      problems(() => resolveSimulatorOptions({ userCount: 5, directory: { groupLayout: [{ users: [5] }] } })),
    ).toContain('directory.groupLayout');
  });

  it('merges a fault change over the current faults and validates the result as a whole', () => {
    const current = resolveSimulatorOptions({}).directory.faults;
    const merged = mergeDirectoryFaults(current, { expiredDeltaLinkStatus: 410, emptyPageShare: 0.5 });
    expect(merged).toMatchObject({ expiredDeltaLinkStatus: 410, emptyPageShare: 0.5, duplicatePageShare: 0 });
    expect(current.expiredDeltaLinkStatus).toBe(400);
    expect(problems(() => mergeDirectoryFaults(current, { duplicatePageShare: -1 }))).toContain(
      'directory.faults.duplicatePageShare',
    );
  });
});
