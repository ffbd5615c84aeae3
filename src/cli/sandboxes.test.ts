/** `shiva ls`: the MEM column, and with --ended why each ended sandbox ended. */
import { describe, expect, it } from 'vitest';
import { mockSandbox } from '../../test/support/cli-fixtures.js';
import { lsTable, memoryColumn } from './sandboxes.js';

describe('shiva ls', () => {
  it('adds a REASON column with --ended: why each ended sandbox ended, - for live ones', () => {
    const [header, rows] = lsTable(
      [mockSandbox(), mockSandbox({ id: 'sbx2', name: 'big', state: 'stopped', reason: 'out of memory: the sandbox used its 4 GiB limit' })],
      true,
    );
    expect(header.at(-1)).toBe('REASON');
    expect(rows.map((r) => r.at(-1))).toEqual(['-', 'out of memory: the sandbox used its 4 GiB limit']);
  });

  it('has no REASON column without --ended', () => {
    const [header, rows] = lsTable([mockSandbox()], false);
    expect(header).not.toContain('REASON');
    expect(rows[0]).toHaveLength(header.length);
  });
});

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
