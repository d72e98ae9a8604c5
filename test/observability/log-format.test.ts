import { describe, expect, it } from 'vitest';
import { formatCount, formatCounted, formatDuration, formatPercent } from '../../src/observability/index.js';

describe('log number formats', () => {
  it('writes counts with thousands separators, rounded', () => {
    expect([0, 7, 1_000, 12_000, 1_234_567, 2.4].map(formatCount)).toEqual([
      '0',
      '7',
      '1,000',
      '12,000',
      '1,234,567',
      '2',
    ]);
    expect(formatCounted(1, 'cycle')).toBe('1 cycle');
    expect(formatCounted(50_000, 'user')).toBe('50,000 users');
    expect(formatCounted(2, 'batch', 'batches')).toBe('2 batches');
    expect(formatCounted(0, 'batch', 'batches')).toBe('0 batches');
  });

  it('writes durations in the unit that keeps them short', () => {
    expect(
      [0, 850, 999.6, 1_000, 2_449, 9_949, 9_950, 42_000, 119_000, 119_600, 300_000, 7_200_000].map(formatDuration),
    ).toEqual(['0 ms', '850 ms', '1.0 s', '1.0 s', '2.4 s', '9.9 s', '10 s', '42 s', '119 s', '2 min', '5 min', '2 h']);
  });

  it('writes shares as whole percentages, and a small share as <1%', () => {
    expect([0, 0.004, 0.005, 0.052, 1, 1.5].map(formatPercent)).toEqual(['0%', '<1%', '1%', '5%', '100%', '150%']);
  });
});
