import { describe, expect, it } from 'vitest';
import { lastDays, rangeDays, usageCsvHref, usageSearch } from './usage';

describe('usage queries', () => {
  it('defaults to the 30 UTC days ending today', () => {
    expect(lastDays(Date.parse('2026-03-02T23:30:00Z'))).toEqual({ from: '2026-02-01', to: '2026-03-02' });
    expect(lastDays(Date.parse('2026-03-02T00:10:00Z'), 1)).toEqual({ from: '2026-03-02', to: '2026-03-02' });
  });

  it('counts the days of a range with both ends', () => {
    expect(rangeDays({ from: '2026-03-01', to: '2026-03-01' })).toBe(1);
    expect(rangeDays({ from: '2024-01-01', to: '2024-12-31' })).toBe(366);
    expect(rangeDays({ from: '2026-03-02', to: '2026-03-01' })).toBe(0);
    expect(rangeDays({ from: '', to: '2026-03-01' })).toBeNaN();
  });

  it('asks for the range, and for CSV on the download link', () => {
    expect(usageSearch({ from: '2026-03-01', to: '2026-03-31' })).toBe('from=2026-03-01&to=2026-03-31');
    expect(usageCsvHref({ from: '2026-03-01', to: '2026-03-31' })).toBe('/api/usage?from=2026-03-01&to=2026-03-31&format=csv');
  });
});
