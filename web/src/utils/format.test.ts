import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en';
import { ja } from '../i18n/ja';
import { formatBytes, formatGiBDown, formatPast, formatRate, formatRelative, percentOf } from './format';
import { describeResources } from './resources';

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

  it('writes machine memory in GiB to one decimal, rounded down, as `shiva machines` does', () => {
    // 25276026880 bytes is 23.54 GiB: 23.5, not "24 GiB"; 23.56 GiB is not rounded up either.
    expect(formatGiBDown(25276026880, 'en-GB')).toBe('23.5 GiB');
    expect(formatGiBDown(23.56 * GiB, 'en-GB')).toBe('23.5 GiB');
    expect(formatGiBDown(4 * GiB, 'en-GB')).toBe('4 GiB');
    expect(formatGiBDown(0.7 * GiB, 'en-GB')).toBe('716 MiB');
    expect(formatGiBDown(0, 'en-GB')).toBe('0 GiB');
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

  it('rounds a time ahead to the nearest unit, and still truncates one past', () => {
    const made = Date.parse('2026-03-02T10:00:00Z');
    const expires = new Date(made + 30 * 86_400_000).toISOString();
    // A token made to last 30 days, a minute later: "in 30 days", not "in 29 days".
    expect(formatRelative(expires, made + 60_000, 'en-GB')).toBe('in 30 days');
    expect(formatRelative(expires, made + 60_000, 'ja-JP')).toBe('30 日後');
    expect(formatRelative('2026-03-02T12:40:00Z', made, 'en-GB')).toBe('in 3 hours');
    expect(formatRelative('2026-03-02T12:20:00Z', made, 'en-GB')).toBe('in 2 hours');
    // Past: 2 h 40 min ago is still "2 hours ago", and a past moment never reads as ahead.
    expect(formatRelative('2026-03-02T07:20:00Z', made, 'en-GB')).toBe('2 hours ago');
    expect(formatPast('2026-03-02T07:20:00Z', made, 'en-GB')).toBe('2 hours ago');
    expect(formatPast('2026-03-02T10:00:01.600Z', made, 'en-GB')).toBe('now');
  });

  it('says "now" for a past moment that the browser\'s clock puts a little ahead, never "in 1 second"', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    expect(formatPast('2026-03-02T10:00:01.200Z', now, 'en-GB')).toBe('now');
    expect(formatPast('2026-03-02T10:00:04Z', now, 'ja-JP')).toBe('今');
    expect(formatPast('2026-03-02T09:59:30Z', now, 'en-GB')).toBe('30 seconds ago');
    // An expiry may lie ahead.
    expect(formatRelative('2026-03-02T10:00:04Z', now, 'en-GB')).toBe('in 4 seconds');
  });

  it('counts CPUs and GPUs by the language\'s plural rules, and rounds memory to a tenth', () => {
    expect(describeResources(en, 'en-GB', { cpus: 1, memoryGiB: 23.54, gpus: 1 })).toBe('1 CPU · 23.5 GiB · 1 GPU');
    expect(describeResources(en, 'en-GB', { cpus: 1.004, memoryGiB: 4 })).toBe('1 CPU · 4 GiB');
    expect(describeResources(en, 'en-GB', { cpus: 0.5, memoryGiB: 0.5, gpus: 2 })).toBe('0.5 CPUs · 0.5 GiB · 2 GPUs');
    expect(describeResources(en, 'en-GB', { cpus: 1.5, memoryGiB: 2 })).toBe('1.5 CPUs · 2 GiB');
    expect(describeResources(ja, 'ja-JP', { cpus: 1, memoryGiB: 2, gpus: 2 })).toBe('1 CPU · 2 GiB · 2 GPU');
    expect(en.launch.needsCpus(1, '1')).toBe('only 1 CPU free');
    expect(en.usage.tooLong(1)).toBe('At most 1 day at a time.');
  });

  it('keeps percentages between 0 and 100', () => {
    expect(percentOf(5, 0)).toBe(0);
    expect(percentOf(150, 100)).toBe(100);
    expect(percentOf(1, 4)).toBe(25);
  });
});
