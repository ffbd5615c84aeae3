import { describe, expect, it } from 'vitest';
import { count } from './count.js';

describe('count', () => {
  it('is singular for exactly one and plural for every other figure, fractions and zero included', () => {
    expect(count(1, 'CPU')).toBe('1 CPU');
    expect(count(0.5, 'CPU')).toBe('0.5 CPUs');
    expect(count(0, 'GPU')).toBe('0 GPUs');
    expect(count(2, 'GPU')).toBe('2 GPUs');
  });
});
