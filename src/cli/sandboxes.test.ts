/** `shiva ls --ended` says why each ended sandbox ended. */
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../contract/api.js';
import { lsTable } from './sandboxes.js';

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
