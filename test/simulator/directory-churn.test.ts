import { describe, expect, it } from 'vitest';
import { type Directory } from '../../src/simulator/directory.js';
import { DirectoryChurn } from '../../src/simulator/directory-churn.js';
import { buildDirectory } from '../../src/simulator/directory-layout.js';
import { directorySchema, type DirectoryChangeWeights } from '../../src/simulator/directory-options.js';
import { createRandom } from '../../src/simulator/random.js';
import { readRound, startHarness, tokenFor, pathOf } from './helpers.js';

const NONE: DirectoryChangeWeights = { addMember: 0, removeMember: 0, disable: 0, enable: 0, delete: 0, create: 0 };

function setup(
  weights: Partial<DirectoryChangeWeights>,
  automatic = true,
  perMinute = 60,
): [Directory, DirectoryChurn] {
  const directory = buildDirectory(directorySchema.parse({ initialUsers: 90, groupCount: 4 }), 100, 2, () => false);
  const churn = new DirectoryChurn(directory, perMinute, automatic, { ...NONE, ...weights }, createRandom(5), 0, 0);
  return [directory, churn];
}

describe('directory churn', () => {
  it('makes the changes due per minute of wall time, carrying fractions over', () => {
    const [directory, churn] = setup({ disable: 1 });
    churn.advance(500); // half a second: half a change
    expect(directory.serial).toBe(0);
    churn.advance(1000);
    expect(directory.serial).toBe(1);
    churn.advance(61_000);
    expect(directory.serial).toBe(61);
  });

  it('applies ticks whatever the clock, and no automatic changes without autoChurn', () => {
    const [directory, churn] = setup({ disable: 1 }, false);
    churn.advance(600_000);
    expect(directory.serial).toBe(0);
    expect(churn.tick(0.5)).toBe(30);
  });

  it('creates users from the reserve into a group, and stops when it is used up', () => {
    const [directory, churn] = setup({ create: 1 });
    expect(churn.tick(1)).toBe(10);
    expect(directory.reserveLeft).toBe(0);
    const grouped = Array.from({ length: 4 }, (_, group) => [...directory.groups.memberRefs(group)]).flat();
    expect(grouped.filter((ref) => ref >= 90 && ref < 100)).toHaveLength(10);
  });

  it('draws each kind of change, deterministically for a seed', () => {
    const kinds = { addMember: 1, removeMember: 1, disable: 1, enable: 1, delete: 1, create: 1 };
    const [a, churnA] = setup(kinds);
    const [b, churnB] = setup(kinds);
    // A change that finds no subject in a few draws (nothing left to enable, say) is skipped.
    expect(churnA.tick(1)).toBeGreaterThan(50);
    churnB.tick(1);
    const states = (directory: Directory): string[] =>
      Array.from({ length: 100 }, (_, i) => JSON.stringify(directory.users.attributes(i)));
    expect(states(a)).toEqual(states(b));
    expect(states(a).some((state) => state.includes('softDeleted'))).toBe(true);
    expect(a.reserveLeft).toBeLessThan(10);
    expect(setup({})[1].tick(10)).toBe(0);
  });

  it('shows in the next incremental round of a running simulator', async () => {
    const harness = await startHarness({ userCount: 200, directory: { changesPerMinute: 600, groupCount: 3 } });
    try {
      const token = await tokenFor(harness);
      const { deltaLink } = await readRound(harness, token, '/v1.0/users/delta?$select=id,accountEnabled');
      expect(harness.sim.directory.tick(1)).toBeGreaterThan(0);
      const round = await readRound(harness, token, pathOf(harness, deltaLink ?? ''));
      expect(round.values.length).toBeGreaterThan(0);
    } finally {
      await harness.close();
    }
  });
});
