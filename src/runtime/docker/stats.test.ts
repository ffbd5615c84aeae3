import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statsFromEngine, type EngineStats } from './stats.js';

const fixture = (name: string): EngineStats =>
  JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/docker-stats', name), 'utf8')) as EngineStats;

describe('statsFromEngine', () => {
  it('reads CPU time in seconds and memory in use from a cgroup v1 engine', () => {
    expect(statsFromEngine(fixture('cgroup-v1-running.json'))).toEqual({
      cpuSeconds: 0.065158742,
      // total_inactive_file is 0 in this reading: nothing to take off.
      memoryUsedBytes: 11239424,
      at: '2026-11-28T19:56:00.277Z',
    });
  });

  it('takes the inactive file cache off the memory usage on a cgroup v2 engine, as docker stats does', () => {
    const stats = statsFromEngine(fixture('constructed-cgroup-v2-running.json'));
    expect(stats).toEqual({ cpuSeconds: 2.5, memoryUsedBytes: 104857600 - 46137344, at: '2026-11-28T20:01:02.123Z' });
  });

  it('prefers cgroup v1 total_inactive_file, which counts child cgroups, over inactive_file', () => {
    const data: EngineStats = {
      read: '2026-11-28T20:00:00Z',
      cpu_stats: { cpu_usage: { total_usage: 1e9 } },
      memory_stats: { usage: 1000, stats: { inactive_file: 100, total_inactive_file: 300 } },
    };
    expect(statsFromEngine(data)?.memoryUsedBytes).toBe(700);
  });

  it('keeps the whole usage when the cache figure is missing or not smaller than it', () => {
    const at = '2026-11-28T20:00:00Z';
    expect(statsFromEngine({ read: at, memory_stats: { usage: 500, stats: {} } })?.memoryUsedBytes).toBe(500);
    expect(statsFromEngine({ read: at, memory_stats: { usage: 500, stats: { inactive_file: 800 } } })?.memoryUsedBytes).toBe(500);
    expect(statsFromEngine({ read: at, memory_stats: {} })).toEqual({ cpuSeconds: null, memoryUsedBytes: null, at: '2026-11-28T20:00:00.000Z' });
  });

  it('answers null for a container that does not run (the engine dates its zeros year 1)', () => {
    expect(statsFromEngine(fixture('cgroup-v1-created.json'))).toBeNull();
    expect(statsFromEngine({})).toBeNull();
  });
});
