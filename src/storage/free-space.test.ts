import { describe, expect, it } from 'vitest';
import { GiB } from '../contract/resources.js';
import { belowMinimum, gib, storageFullError } from './free-space.js';

describe('the minimum free share of the homes filesystem', () => {
  const size = 1000 * GiB;

  it('refuses strictly below the threshold and admits at it', () => {
    expect(belowMinimum({ freeBytes: 49.9 * GiB, sizeBytes: size }, 5)).toBe(true);
    expect(belowMinimum({ freeBytes: 50 * GiB, sizeBytes: size }, 5)).toBe(false);
    expect(belowMinimum({ freeBytes: 51 * GiB, sizeBytes: size }, 5)).toBe(false);
  });

  it('decides exactly at the boundary of figures that do not divide evenly', () => {
    // 5% of 1001 bytes is 50.05: 50 free is below, 51 is not.
    expect(belowMinimum({ freeBytes: 50, sizeBytes: 1001 }, 5)).toBe(true);
    expect(belowMinimum({ freeBytes: 51, sizeBytes: 1001 }, 5)).toBe(false);
  });

  it('never refuses with a threshold of 0, and always below 100 unless all is free', () => {
    expect(belowMinimum({ freeBytes: 0, sizeBytes: size }, 0)).toBe(false);
    expect(belowMinimum({ freeBytes: size - 1, sizeBytes: size }, 100)).toBe(true);
    expect(belowMinimum({ freeBytes: size, sizeBytes: size }, 100)).toBe(false);
  });

  it('does not judge a filesystem that reports no size', () => {
    expect(belowMinimum({ freeBytes: 0, sizeBytes: 0 }, 5)).toBe(false);
  });

  it('answers 503 STORAGE_FULL naming free and total in GiB and the threshold, and no path', () => {
    const err = storageFullError({ freeBytes: 12 * GiB, sizeBytes: size }, 5);
    expect(err.status).toBe(503);
    expect(err.code).toBe('STORAGE_FULL');
    expect(err.message).toContain('12 GiB free of 1000 GiB (1.2%)');
    expect(err.message).toContain('below the 5% this hub keeps free');
    expect(err.message).not.toMatch(/\//);
    expect(err.details).toEqual({ freeBytes: 12 * GiB, sizeBytes: size, minFreePercent: 5 });
  });

  it('refuses as well when the files (inodes) run out with blocks to spare, and says so; a filesystem that counts none is judged by bytes', () => {
    const roomy = { freeBytes: 900 * GiB, sizeBytes: size };
    expect(belowMinimum({ ...roomy, inodes: 1_000_000, freeInodes: 49_999 }, 5)).toBe(true);
    expect(belowMinimum({ ...roomy, inodes: 1_000_000, freeInodes: 50_000 }, 5)).toBe(false);
    // CephFS and btrfs report 0 inodes: no inode rule there.
    expect(belowMinimum({ ...roomy, inodes: 0, freeInodes: 0 }, 5)).toBe(false);
    const err = storageFullError({ ...roomy, inodes: 1_000_000, freeInodes: 12 }, 5);
    expect(err.code).toBe('STORAGE_FULL');
    expect(err.message).toContain('run out of files (inodes): 12 free of 1000000');
  });

  it('shows small filesystems in GiB with the decimals they need', () => {
    expect(gib(64 * 1024 ** 2)).toBe('0.063');
    expect(gib(0)).toBe('0');
    expect(gib(9.5 * GiB)).toBe('9.5');
    expect(gib(812.4 * GiB)).toBe('812');
  });
});
