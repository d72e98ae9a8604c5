import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it('counts inserts, deletes, substitutions and neighbour swaps as one edit each, ignoring case', () => {
    expect(editDistance('brokers', 'brokers')).toBe(0);
    expect(editDistance('Brokers', 'brokers')).toBe(0);
    expect(editDistance('broker', 'brokers')).toBe(1);
    expect(editDistance('brokres', 'brokers')).toBe(1);
    expect(editDistance('brakers', 'brokers')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('closest', () => {
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

  it('suggests a near candidate, or a shortened or lengthened word', () => {
    expect(closest('degub', levels)).toBe('debug');
    expect(closest('warning', levels)).toBe('warn');
    expect(closest('usgovdod', ['global', 'usgov-dod', 'custom'])).toBe('usgov-dod');
  });

  it('suggests nothing for an input far from every candidate', () => {
    expect(closest('verbose', levels)).toBeUndefined();
    expect(closest('xy', ['ab'])).toBe('ab');
    expect(closest('xyz', [])).toBeUndefined();
  });
});
