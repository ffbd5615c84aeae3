import { describe, expect, it } from 'vitest';
import { ShivaError } from '../contract/errors.js';
import { dayStart, rangeBounds, resolveRange } from './range.js';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');

const refusal = (asked: { from?: string; to?: string }): { code: string; message: string } => {
  try {
    resolveRange(asked, NOW);
  } catch (err) {
    if (err instanceof ShivaError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('the range was accepted');
};

describe('usage ranges', () => {
  it('defaults to the 30 days ending today, UTC', () => {
    expect(resolveRange({}, NOW)).toEqual({ from: '2026-02-09', to: '2026-03-10' });
  });

  it('defaults from to the 30 days ending at to, and to to today', () => {
    expect(resolveRange({ to: '2026-01-31' }, NOW)).toEqual({ from: '2026-01-02', to: '2026-01-31' });
    expect(resolveRange({ from: '2026-03-01' }, NOW)).toEqual({ from: '2026-03-01', to: '2026-03-10' });
  });

  it('takes one day, and a whole leap year', () => {
    expect(resolveRange({ from: '2026-03-01', to: '2026-03-01' }, NOW)).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(resolveRange({ from: '2024-01-01', to: '2024-12-31' }, NOW)).toEqual({ from: '2024-01-01', to: '2024-12-31' });
  });

  it('refuses days that are not YYYY-MM-DD or do not exist', () => {
    for (const bad of ['2026-3-1', '2026-02-30', '2026-13-01', 'yesterday', '', '2026-03-01T00:00:00Z', '0050-01-01']) {
      expect(refusal({ from: bad, to: '2026-03-10' }).code, bad).toBe('INVALID_RANGE');
    }
    expect(refusal({ to: '2026-02-29' })).toEqual({ code: 'INVALID_RANGE', message: 'to: "2026-02-29" is not a day written YYYY-MM-DD.' });
  });

  it('refuses from after to, and more than 366 days', () => {
    expect(refusal({ from: '2026-03-02', to: '2026-03-01' })).toEqual({ code: 'INVALID_RANGE', message: 'from (2026-03-02) is after to (2026-03-01).' });
    expect(refusal({ from: '2025-01-01', to: '2026-01-02' })).toEqual({
      code: 'INVALID_RANGE',
      message: '2025-01-01 to 2026-01-02 is 367 days; ask for at most 366 at a time.',
    });
  });

  it('reads a day as its UTC midnight and a range up to the midnight after its last day', () => {
    expect(dayStart('2026-03-01')).toBe(Date.parse('2026-03-01T00:00:00.000Z'));
    expect(rangeBounds({ from: '2026-03-01', to: '2026-03-02' })).toEqual({
      start: Date.parse('2026-03-01T00:00:00.000Z'),
      end: Date.parse('2026-03-03T00:00:00.000Z'),
    });
  });
});
