/** `shiva ls`: the MEM column, and with --ended why each ended sandbox ended. */
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../contract/api.js';
import { lsTable, memoryColumn } from './sandboxes.js';

const sandbox = (over: Partial<Sandbox>): Sandbox => ({
  id: 'sbx1',
  name: 'main',
  user: 'alice',
  state: 'running',
  reason: null,
  image: 'tiny',
  machine: 'local',
  cpus: 1,
  cpuRequest: 0.25,
  memoryGiB: 4,
  gpus: [],
  url: 'http://main--alice.localhost:8000/user/alice/main/',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  stoppedAt: null,
  lastActivityAt: null,
  memoryUsedBytes: null,
  idleStop: null,
  logTail: null,
  ...over,
});

describe('shiva ls', () => {
  it('adds a REASON column with --ended: why each ended sandbox ended, - for live ones', () => {
    const [header, rows] = lsTable(
      [sandbox({}), sandbox({ id: 'sbx2', name: 'big', state: 'stopped', reason: 'out of memory: the sandbox used its 4 GiB limit' })],
      true,
    );
    expect(header.at(-1)).toBe('REASON');
    expect(rows.map((r) => r.at(-1))).toEqual(['-', 'out of memory: the sandbox used its 4 GiB limit']);
  });

  it('has no REASON column without --ended', () => {
    const [header, rows] = lsTable([sandbox({})], false);
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
