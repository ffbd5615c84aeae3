import { describe, expect, it } from 'vitest';
import type { SandboxLifetime } from '../store/sandboxes.js';
import { usageDaysOf } from './rollup.js';
import { GiB } from '../contract/resources.js';

const ended = (overrides: Partial<SandboxLifetime>): SandboxLifetime => ({
  id: 'sbx',
  username: 'alice',
  cpus: 2,
  cpu_request: 0.5,
  memory_bytes: 4 * GiB,
  gpus: '["0","1"]',
  state: 'stopped',
  started_at: '2026-03-05T22:00:00.000Z',
  stopped_at: '2026-03-07T01:30:00.000Z',
  ...overrides,
});

describe('the daily usage roll-up of an ended sandbox', () => {
  it('gives one row per UTC day it ran, with its milliseconds that day, and marks the day its run began', () => {
    expect(usageDaysOf(ended({}))).toEqual([
      { day: '2026-03-05', username: 'alice', cpu_request: 0.5, memory_bytes: 4 * GiB, gpus: 2, sandboxes: 1, started: 1, ms: 2 * 3_600_000 },
      { day: '2026-03-06', username: 'alice', cpu_request: 0.5, memory_bytes: 4 * GiB, gpus: 2, sandboxes: 1, started: 0, ms: 24 * 3_600_000 },
      { day: '2026-03-07', username: 'alice', cpu_request: 0.5, memory_bytes: 4 * GiB, gpus: 2, sandboxes: 1, started: 0, ms: 1.5 * 3_600_000 },
    ]);
  });

  it('ends a day at midnight to the millisecond: a run from midnight to midnight is one day', () => {
    const rows = usageDaysOf(ended({ state: 'failed', started_at: '2026-03-05T00:00:00.000Z', stopped_at: '2026-03-06T00:00:00.000Z' }));
    expect(rows.map((r) => [r.day, r.started, r.ms])).toEqual([['2026-03-05', 1, 86_400_000]]);
  });

  it('adds nothing for a live sandbox, one that never ran, one without a recorded end, or one that ran no time', () => {
    expect(usageDaysOf(ended({ state: 'running', stopped_at: null }))).toEqual([]);
    expect(usageDaysOf(ended({ state: 'failed', started_at: null }))).toEqual([]);
    expect(usageDaysOf(ended({ stopped_at: null }))).toEqual([]);
    expect(usageDaysOf(ended({ stopped_at: '2026-03-05T22:00:00.000Z' }))).toEqual([]);
    expect(usageDaysOf(ended({ stopped_at: '2026-03-05T21:00:00.000Z' }))).toEqual([]);
  });

  it('counts no GPUs for a list it cannot read', () => {
    expect(usageDaysOf(ended({ gpus: 'not json' }))[0]!.gpus).toBe(0);
  });
});
