import { afterAll, describe, expect, it } from 'vitest';
import { budgetShare, createBudget } from '../../src/pipeline/graph-wiring.js';
import { fixture, guid, minimalLines, removeTempDirs } from '../config/support.js';

afterAll(removeTempDirs);

/** Three shards of 3, 1 and 2 users, 2 ids per request: 2 + 1 + 1 = 4 requests per cycle in all. */
function config(maxRequests: number) {
  const lines = minimalLines().slice(0, 5);
  return fixture([
    ...lines,
    'graph:',
    '  batchSize: 2',
    '  requestBudget:',
    `    maxRequests: ${maxRequests}`,
    '    windowSeconds: 10',
    'shards:',
    `  - { name: a, users: [${guid(1)}, ${guid(2)}, ${guid(3)}] }`,
    `  - { name: b, users: [${guid(4)}] }`,
    `  - { name: c, users: [${guid(5)}, ${guid(6)}] }`,
  ]).load();
}

describe('budgetShare', () => {
  it("gives each worker its shards' share of the tenant budget, rounded down", () => {
    const loaded = config(100);
    expect(budgetShare(loaded, loaded.shards, ['a'])).toBe(50);
    expect(budgetShare(loaded, loaded.shards, ['b', 'c'])).toBe(50);
    expect(budgetShare(loaded, loaded.shards, ['b'])).toBe(25);
    expect(budgetShare(loaded, loaded.shards, ['a', 'b', 'c'])).toBe(100);
  });

  it('never exceeds the budget across workers, and never drops to zero', () => {
    const loaded = config(3);
    const shares = [['a'], ['b'], ['c']].map((owned) => budgetShare(loaded, loaded.shards, owned));
    expect(shares).toEqual([1, 1, 1]);
    expect(budgetShare(loaded, loaded.shards, [])).toBe(1);
  });
});

describe('createBudget', () => {
  it('takes the configured requests per window', () => {
    expect(createBudget(config(7)).maxRequests).toBe(7);
  });
});
