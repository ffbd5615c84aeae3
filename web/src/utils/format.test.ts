import { describe, expect, it } from 'vitest';
import { formatBytes, formatRate, formatRelative, percentOf } from './format';

const GiB = 1024 ** 3;

describe('formatting', () => {
  it('writes sizes in GiB, and TiB from 1024 GiB', () => {
    expect(formatBytes(2.5 * GiB, 'en-GB')).toBe('2.5 GiB');
    expect(formatBytes(61.2 * GiB, 'en-GB')).toBe('61 GiB');
    expect(formatBytes(1536 * GiB, 'en-GB')).toBe('1.5 TiB');
    // A notebook's memory in use: 11 MiB, not "0 GiB".
    expect(formatBytes(11.4 * 1024 * 1024, 'en-GB')).toBe('11 MiB');
    expect(formatBytes(0, 'en-GB')).toBe('0 GiB');
  });

  it('writes transfer rates in the largest unit that keeps them at 1 or more', () => {
    expect(formatRate(512, 'en-GB')).toBe('512 B/s');
    expect(formatRate(310 * 1024, 'en-GB')).toBe('310 KiB/s');
    expect(formatRate(12.64 * 1024 ** 2, 'en-GB')).toBe('13 MiB/s');
    expect(formatRate(2.5 * 1024 ** 3, 'en-GB')).toBe('2.5 GiB/s');
  });

  it('writes times relative to now in the chosen language', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    expect(formatRelative('2026-03-02T07:00:00Z', now, 'en-GB')).toBe('3 hours ago');
    expect(formatRelative('2026-03-02T07:00:00Z', now, 'ja-JP')).toBe('3 時間前');
    expect(formatRelative('2026-03-20T10:00:00Z', now, 'en-GB')).toBe('in 18 days');
  });

  it('keeps percentages between 0 and 100', () => {
    expect(percentOf(5, 0)).toBe(0);
    expect(percentOf(150, 100)).toBe(100);
    expect(percentOf(1, 4)).toBe(25);
  });
});
