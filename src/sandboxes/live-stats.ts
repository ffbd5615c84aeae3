/**
 * What each running sandbox uses, from its engine's stats. Read on refresh (the hub's periodic
 * machine job), kept per sandbox, and forgotten once a sandbox no longer runs, so the map never
 * outgrows the running sandboxes. CPU is a rate: it comes from two successive readings of the
 * container's CPU time, so a sandbox has none until its second reading, and the figure is the
 * mean over the refresh period rather than a one-second spike.
 */
import type { MachineRegistry } from '../machines/registry.js';
import type { ContainerStats } from '../runtime/types.js';
import type { SandboxRepository } from '../store/sandboxes.js';

export interface LiveSandboxStatsReading {
  /** CPU in use; 100 is one CPU, as `docker stats` counts it. Null until two readings exist. */
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
  at: string;
}

interface Kept {
  reading: LiveSandboxStatsReading;
  containerId: string;
  cpuSeconds: number | null;
  atMs: number;
}

export interface LiveSandboxStatsDeps {
  repo: Pick<SandboxRepository, 'live'>;
  machines: Pick<MachineRegistry, 'list'>;
}

export class LiveSandboxStats {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly deps: LiveSandboxStatsDeps) {}

  /** The latest reading of a running sandbox, if one was taken. */
  get(sandboxId: string): LiveSandboxStatsReading | undefined {
    return this.kept.get(sandboxId)?.reading;
  }

  /**
   * Reads every running sandbox on every machine that is up. A sandbox whose reading fails, or
   * whose machine is down, loses its figures rather than keep stale ones.
   */
  async refresh(): Promise<void> {
    const up = new Map(this.deps.machines.list().filter((m) => m.status === 'up').map((m) => [m.name, m.runtime]));
    const running = (await this.deps.repo.live()).filter((r) => r.state === 'running' && r.container_id !== null);
    const seen = new Set<string>();
    await Promise.all(
      running.map(async (row) => {
        const runtime = up.get(row.machine);
        if (!runtime) return;
        const stats = await runtime.stats(row.container_id!).catch(() => null);
        if (!stats) return;
        seen.add(row.id);
        this.kept.set(row.id, this.next(this.kept.get(row.id), row.container_id!, stats));
      }),
    );
    for (const id of this.kept.keys()) if (!seen.has(id)) this.kept.delete(id);
  }

  private next(previous: Kept | undefined, containerId: string, stats: ContainerStats): Kept {
    const atMs = Date.parse(stats.at);
    return {
      reading: { cpuPercent: cpuPercent(previous, containerId, stats.cpuSeconds, atMs), memoryUsedBytes: stats.memoryUsedBytes, at: stats.at },
      containerId,
      cpuSeconds: stats.cpuSeconds,
      atMs,
    };
  }
}

/** CPU time used between two readings over the time between them; none across a container change or a counter reset. */
function cpuPercent(previous: Kept | undefined, containerId: string, cpuSeconds: number | null, atMs: number): number | null {
  if (!previous || previous.containerId !== containerId || previous.cpuSeconds === null || cpuSeconds === null) return null;
  const elapsed = (atMs - previous.atMs) / 1000;
  const used = cpuSeconds - previous.cpuSeconds;
  if (!(elapsed > 0) || used < 0) return null;
  return Math.round((used / elapsed) * 1000) / 10;
}
