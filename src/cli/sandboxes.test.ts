import { describe, expect, it } from 'vitest';
import { memoryColumn } from './sandboxes.js';

const GiB = 1024 ** 3;

describe('the MEM column of shiva ls', () => {
  it('shows the memory in use of a running sandbox over its limit', () => {
    expect(memoryColumn({ memoryGiB: 4, memoryUsedBytes: 1.26 * GiB })).toBe('1.2/4G');
    expect(memoryColumn({ memoryGiB: 4, memoryUsedBytes: 300 * 1024 ** 2 })).toBe('300M/4G');
  });

  it('marks a sandbox at 90% of its limit or more, where its events warn', () => {
    expect(memoryColumn({ memoryGiB: 4, memoryUsedBytes: 3.6 * GiB })).toBe('3.6/4G!');
    expect(memoryColumn({ memoryGiB: 4, memoryUsedBytes: 3.5 * GiB })).toBe('3.5/4G');
  });

  it('shows the limit alone before the first reading or for a sandbox that does not run', () => {
    expect(memoryColumn({ memoryGiB: 0.5, memoryUsedBytes: null })).toBe('0.5G');
  });
});
