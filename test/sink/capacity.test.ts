import { describe, expect, it } from 'vitest';
import { RecordCapacity } from '../../src/sink/capacity.js';

describe('RecordCapacity', () => {
  it('admits batches up to the bound and holds the next until records are released', async () => {
    const capacity = new RecordCapacity(10);
    await capacity.acquire(6);
    await capacity.acquire(4);
    let admitted = false;
    const waiting = capacity.acquire(3).then(() => {
      admitted = true;
    });
    await Promise.resolve();
    expect(admitted).toBe(false);
    capacity.release(6);
    await waiting;
    expect(admitted).toBe(true);
    expect(capacity.recordsInFlight).toBe(7);
  });

  it('lets a batch larger than the whole bound through alone instead of waiting forever', async () => {
    const capacity = new RecordCapacity(5);
    await capacity.acquire(50);
    expect(capacity.recordsInFlight).toBe(50);
  });

  it('admits waiters in order: a small batch does not overtake a large one waiting before it', async () => {
    const capacity = new RecordCapacity(10);
    await capacity.acquire(8);
    const order: string[] = [];
    const large = capacity.acquire(9).then(() => void order.push('large'));
    const small = capacity.acquire(1).then(() => void order.push('small'));
    await Promise.resolve();
    expect(order).toEqual([]);
    capacity.release(8);
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
  });
});
