import { describe, expect, it } from 'vitest';
import { BatchPlan } from '../../src/poller/batch-plan.js';

const ids = (count: number) => Array.from({ length: count }, (_, index) => `user-${index}`);

describe('BatchPlan', () => {
  it('splits the users in order into batches of at most batchSize, leaving quarantined ids out', () => {
    const plan = new BatchPlan(2);
    expect(plan.batches(ids(5), new Set(['user-1']))).toEqual([
      ['user-0', 'user-2'],
      ['user-3', 'user-4'],
    ]);
    expect(new BatchPlan(650).batches([], new Set())).toEqual([]);
  });

  it('returns the same batches while the list and the quarantine stay, and plans again when either changes', () => {
    const plan = new BatchPlan(2);
    const users = ids(3);
    const quarantined = new Set<string>();
    const first = plan.batches(users, quarantined);
    expect(plan.batches(users, quarantined)).toBe(first);
    quarantined.add('user-0');
    const second = plan.batches(users, quarantined);
    expect(second).toEqual([['user-1', 'user-2']]);
    const replaced = [...users, 'user-new'];
    expect(plan.batches(replaced, quarantined)).toEqual([['user-1', 'user-2'], ['user-new']]);
  });
});
