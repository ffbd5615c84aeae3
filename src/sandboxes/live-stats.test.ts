import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { MachineRegistry } from '../machines/registry.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import type { ContainerStats } from '../runtime/types.js';
import type { SandboxRow } from '../store/sandboxes.js';
import { LiveSandboxStats } from './live-stats.js';

/** A runtime whose readings the test writes, with the engine's own reading times. */
class ScriptedRuntime extends FakeRuntime {
  readonly readings = new Map<string, ContainerStats | null>();
  override async stats(id: string): Promise<ContainerStats | null> {
    if (this.down) throw new Error('down');
    return this.readings.get(id) ?? null;
  }
}

function row(id: string, over: Partial<SandboxRow> = {}): SandboxRow {
  return {
    id,
    user_id: 1,
    username: 'alice',
    name: id,
    image: 'tiny',
    image_ref: 'shiva/tiny:latest',
    machine: 'local',
    cpus: 1,
    cpu_request: 1,
    memory_bytes: 1024 ** 3,
    gpus: '[]',
    state: 'running',
    reason: null,
    container_id: `c-${id}`,
    host: '127.0.0.1',
    port: 1,
    token: 't',
    created_at: '2026-11-28T10:00:00.000Z',
    started_at: '2026-11-28T10:00:01.000Z',
    stopped_at: null,
    last_activity_at: null,
    version: 0,
    log_tail: null,
    oom_kills: 0,
    last_oom_at: null,
    ...over,
  };
}

async function world(rows: SandboxRow[]) {
  const runtime = new ScriptedRuntime();
  const config = parseConfig({ images: { default: 'tiny', catalogue: [{ name: 'tiny', image: 'shiva/tiny:latest' }] } }, {});
  const machines = MachineRegistry.fromConfig(config, () => runtime);
  await machines.refresh();
  const usage = new LiveSandboxStats({ repo: { live: async () => rows }, machines });
  return { runtime, machines, usage };
}

describe('sandbox usage', () => {
  it('reports memory from the first reading and CPU from the second, as the mean over the time between them', async () => {
    const rows = [row('a')];
    const { runtime, usage } = await world(rows);
    runtime.readings.set('c-a', { cpuSeconds: 10, memoryUsedBytes: 5_000_000, at: '2026-11-28T10:00:00.000Z' });
    await usage.refresh();
    expect(usage.get('a')).toEqual({ cpuPercent: null, memoryUsedBytes: 5_000_000, at: '2026-11-28T10:00:00.000Z' });
    // 7.5 s of CPU time in 15 s: half a CPU.
    runtime.readings.set('c-a', { cpuSeconds: 17.5, memoryUsedBytes: 6_000_000, at: '2026-11-28T10:00:15.000Z' });
    await usage.refresh();
    expect(usage.get('a')).toEqual({ cpuPercent: 50, memoryUsedBytes: 6_000_000, at: '2026-11-28T10:00:15.000Z' });
    // Three CPUs busy: 300, as docker stats counts.
    runtime.readings.set('c-a', { cpuSeconds: 62.5, memoryUsedBytes: 6_000_000, at: '2026-11-28T10:00:30.000Z' });
    await usage.refresh();
    expect(usage.get('a')?.cpuPercent).toBe(300);
  });

  it('makes no CPU figure across a new container or a counter that went back', async () => {
    const rows = [row('a')];
    const { runtime, usage } = await world(rows);
    runtime.readings.set('c-a', { cpuSeconds: 10, memoryUsedBytes: 1, at: '2026-11-28T10:00:00.000Z' });
    await usage.refresh();
    runtime.readings.set('c-a', { cpuSeconds: 2, memoryUsedBytes: 1, at: '2026-11-28T10:00:15.000Z' });
    await usage.refresh();
    expect(usage.get('a')?.cpuPercent).toBeNull();
    rows[0] = row('a', { container_id: 'c-new' });
    runtime.readings.set('c-new', { cpuSeconds: 30, memoryUsedBytes: 1, at: '2026-11-28T10:00:30.000Z' });
    await usage.refresh();
    expect(usage.get('a')?.cpuPercent).toBeNull();
  });

  it('forgets sandboxes that stopped, that are still launching, or whose machine is down', async () => {
    const rows = [row('a'), row('b'), row('c', { state: 'waiting' })];
    const { runtime, machines, usage } = await world(rows);
    for (const id of ['a', 'b', 'c']) runtime.readings.set(`c-${id}`, { cpuSeconds: 1, memoryUsedBytes: 1, at: '2026-11-28T10:00:00.000Z' });
    await usage.refresh();
    expect(usage.get('a')).toBeDefined();
    expect(usage.get('b')).toBeDefined();
    expect(usage.get('c')).toBeUndefined();
    rows.splice(1, 1);
    await usage.refresh();
    expect(usage.get('b')).toBeUndefined();
    expect(usage.get('a')).toBeDefined();
    runtime.down = true;
    await machines.refresh();
    await usage.refresh();
    expect(usage.get('a')).toBeUndefined();
  });
});
