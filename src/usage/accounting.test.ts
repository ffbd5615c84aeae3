import { describe, expect, it } from 'vitest';
import { accountUsage, type UsageSandbox } from './accounting.js';
import { gpuCount } from './tally.js';

const GiB = 1024 ** 3;
const NOW = Date.parse('2026-03-10T12:00:00.000Z');

let next = 0;
/** A sandbox whose CPU request is its whole limit unless the test says otherwise. */
const sandbox = (overrides: Partial<UsageSandbox>): UsageSandbox => ({
  id: `sbx_${++next}`,
  username: 'alice',
  cpus: 2,
  cpu_request: overrides.cpus ?? 2,
  memory_bytes: 8 * GiB,
  gpus: '[]',
  state: 'stopped',
  started_at: '2026-03-05T10:00:00.000Z',
  stopped_at: '2026-03-05T13:00:00.000Z',
  ...overrides,
});

const march = { from: '2026-03-01', to: '2026-03-10' };

describe('usage accounting', () => {
  it('counts CPU-hours by the CPU request, the part of a machine nobody else could be given, not by the limit', () => {
    const report = accountUsage([sandbox({ cpus: 4, cpu_request: 0.5 })], march, NOW);
    expect(report.total).toMatchObject({ sandboxHours: 3, cpuHours: 1.5 });
  });

  it('counts a sandbox from its start to its stop, times the CPUs, GPUs and memory it was given', () => {
    const report = accountUsage([sandbox({ gpus: '["0","3"]' })], march, NOW);
    expect(report.days).toEqual([
      { user: 'alice', day: '2026-03-05', sandboxes: 1, sandboxHours: 3, cpuHours: 6, gpuHours: 6, memoryGiBHours: 24 },
    ]);
    expect(report.users).toEqual([{ user: 'alice', sandboxes: 1, sandboxHours: 3, cpuHours: 6, gpuHours: 6, memoryGiBHours: 24 }]);
    expect(report.total).toEqual({ sandboxes: 1, sandboxHours: 3, cpuHours: 6, gpuHours: 6, memoryGiBHours: 24 });
    expect(report).toMatchObject({ from: '2026-03-01', to: '2026-03-10', at: '2026-03-10T12:00:00.000Z' });
  });

  it('splits a lifetime at each UTC midnight', () => {
    const report = accountUsage([sandbox({ cpus: 1, started_at: '2026-03-05T22:00:00.000Z', stopped_at: '2026-03-07T01:30:00.000Z' })], march, NOW);
    expect(report.days.map((d) => [d.day, d.sandboxHours, d.cpuHours])).toEqual([
      ['2026-03-05', 2, 2],
      ['2026-03-06', 24, 24],
      ['2026-03-07', 1.5, 1.5],
    ]);
    expect(report.users[0]!.sandboxHours).toBe(27.5);
    expect(report.users[0]!.sandboxes).toBe(1);
  });

  it('counts a live sandbox up to now, and nothing after now', () => {
    const live = sandbox({ state: 'running', started_at: '2026-03-09T18:00:00.000Z', stopped_at: null });
    const report = accountUsage([live], { from: '2026-03-09', to: '2026-03-20' }, NOW);
    expect(report.days.map((d) => [d.day, d.sandboxHours])).toEqual([
      ['2026-03-09', 6],
      ['2026-03-10', 12],
    ]);
  });

  it('counts every state short of stopped or failed as live, a machine that stopped answering included', () => {
    const states = ['starting', 'waiting', 'running', 'unknown', 'stopping'] as const;
    const rows = states.map((state) => sandbox({ state, started_at: '2026-03-10T11:00:00.000Z', stopped_at: null }));
    const report = accountUsage(rows, march, NOW);
    expect(report.total).toMatchObject({ sandboxes: 5, sandboxHours: 5 });
  });

  it('counts nothing for a launch that failed before it ever ran', () => {
    const failed = sandbox({ state: 'failed', started_at: null, stopped_at: '2026-03-05T10:01:00.000Z' });
    const queued = sandbox({ state: 'pulling', started_at: null, stopped_at: null });
    const report = accountUsage([failed, queued], march, NOW);
    expect(report.days).toEqual([]);
    expect(report.users).toEqual([]);
    expect(report.total).toEqual({ sandboxes: 0, sandboxHours: 0, cpuHours: 0, gpuHours: 0, memoryGiBHours: 0 });
  });

  it('counts a sandbox that failed after running until it failed', () => {
    const report = accountUsage([sandbox({ state: 'failed', started_at: '2026-03-05T10:00:00.000Z', stopped_at: '2026-03-05T10:45:00.000Z' })], march, NOW);
    expect(report.total.sandboxHours).toBe(0.75);
  });

  it('counts nothing for a sandbox that stopped the moment it started', () => {
    const report = accountUsage([sandbox({ started_at: '2026-03-05T10:00:00.000Z', stopped_at: '2026-03-05T10:00:00.000Z' })], march, NOW);
    expect(report.days).toEqual([]);
    expect(report.total.sandboxes).toBe(0);
  });

  it('counts only the part inside the range of a sandbox started before it and stopped after it', () => {
    const long = sandbox({ gpus: '["1"]', started_at: '2026-02-20T06:00:00.000Z', stopped_at: '2026-03-08T06:00:00.000Z' });
    const report = accountUsage([long], { from: '2026-03-02', to: '2026-03-03' }, NOW);
    expect(report.days.map((d) => [d.day, d.sandboxHours, d.gpuHours])).toEqual([
      ['2026-03-02', 24, 24],
      ['2026-03-03', 24, 24],
    ]);
    expect(report.users[0]).toMatchObject({ sandboxHours: 48, gpuHours: 48, cpuHours: 96 });
  });

  it('leaves out sandboxes wholly before or after the range', () => {
    const before = sandbox({ started_at: '2026-02-27T10:00:00.000Z', stopped_at: '2026-02-28T23:59:59.999Z' });
    const after = sandbox({ started_at: '2026-03-04T00:00:00.000Z', stopped_at: '2026-03-04T05:00:00.000Z' });
    const report = accountUsage([before, after], { from: '2026-03-01', to: '2026-03-03' }, NOW);
    expect(report.days).toEqual([]);
  });

  it('ends the last day at midnight, to the millisecond', () => {
    const report = accountUsage(
      [sandbox({ cpus: 1, started_at: '2026-03-03T23:00:00.000Z', stopped_at: '2026-03-04T03:00:00.000Z' })],
      { from: '2026-03-01', to: '2026-03-03' },
      NOW,
    );
    expect(report.days).toEqual([{ user: 'alice', day: '2026-03-03', sandboxes: 1, sandboxHours: 1, cpuHours: 1, gpuHours: 0, memoryGiBHours: 8 }]);
  });

  it('adds up several sandboxes per user and day, and sorts by user then day', () => {
    const rows = [
      sandbox({ username: 'bob', cpus: 4, gpus: '["0","1","2","3"]', started_at: '2026-03-06T00:00:00.000Z', stopped_at: '2026-03-06T00:30:00.000Z' }),
      sandbox({ username: 'alice', cpus: 0.5, started_at: '2026-03-06T08:00:00.000Z', stopped_at: '2026-03-06T10:00:00.000Z' }),
      sandbox({ username: 'alice', cpus: 1, started_at: '2026-03-06T09:00:00.000Z', stopped_at: '2026-03-06T12:00:00.000Z' }),
      sandbox({ username: 'alice', cpus: 1, started_at: '2026-03-02T09:00:00.000Z', stopped_at: '2026-03-02T10:00:00.000Z' }),
    ];
    const report = accountUsage(rows, march, NOW);
    expect(report.days.map((d) => [d.user, d.day, d.sandboxes, d.sandboxHours, d.cpuHours, d.gpuHours])).toEqual([
      ['alice', '2026-03-02', 1, 1, 1, 0],
      ['alice', '2026-03-06', 2, 5, 4, 0],
      ['bob', '2026-03-06', 1, 0.5, 2, 2],
    ]);
    expect(report.users.map((u) => [u.user, u.sandboxes, u.sandboxHours, u.cpuHours, u.gpuHours])).toEqual([
      ['alice', 3, 6, 5, 0],
      ['bob', 1, 0.5, 2, 2],
    ]);
    expect(report.total).toMatchObject({ sandboxes: 4, sandboxHours: 6.5, cpuHours: 7, gpuHours: 2 });
  });

  it('counts a sandbox once in a total even when it spans several days', () => {
    const report = accountUsage([sandbox({ started_at: '2026-03-01T00:00:00.000Z', stopped_at: '2026-03-04T00:00:00.000Z' })], march, NOW);
    expect(report.days.map((d) => d.sandboxes)).toEqual([1, 1, 1]);
    expect(report.users[0]!.sandboxes).toBe(1);
    expect(report.total.sandboxes).toBe(1);
  });

  it('gives figures to four decimals', () => {
    const report = accountUsage([sandbox({ cpus: 1, started_at: '2026-03-05T10:00:00.000Z', stopped_at: '2026-03-05T10:00:01.000Z' })], march, NOW);
    expect(report.days[0]!.sandboxHours).toBe(0.0003);
  });

  it('counts nothing for an ended sandbox without a recorded end, or one that starts after now', () => {
    const noEnd = sandbox({ state: 'stopped', stopped_at: null });
    const future = sandbox({ state: 'running', started_at: '2026-03-10T13:00:00.000Z', stopped_at: null });
    expect(accountUsage([noEnd, future], march, NOW).days).toEqual([]);
  });
});

describe('gpuCount', () => {
  it('counts the GPU ids a sandbox holds, and none for anything unreadable', () => {
    expect(gpuCount('[]')).toBe(0);
    expect(gpuCount('["GPU-1a2b","GPU-3c4d"]')).toBe(2);
    expect(gpuCount('not json')).toBe(0);
    expect(gpuCount('{"0":1}')).toBe(0);
  });
});
