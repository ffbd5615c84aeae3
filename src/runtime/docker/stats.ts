/**
 * A container's usage from one reading of the engine's stats endpoint. The reading is taken
 * `one-shot`: without it the engine waits a second to fill in a previous CPU sample, and the
 * caller keeps its own previous reading anyway (rates over its refresh period are steadier).
 */
import type { ContainerStats } from '../types.js';

/** The parts of the engine's answer read here; cgroup v1 and v2 fill `memory_stats.stats` differently. */
export interface EngineStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number | undefined> };
}

/** Usage from the engine's answer; null for a container that does not run (the engine answers zeros dated year 1). */
export function statsFromEngine(data: EngineStats): ContainerStats | null {
  const at = data.read ? Date.parse(data.read) : NaN;
  if (!Number.isFinite(at) || at <= 0) return null;
  const total = data.cpu_stats?.cpu_usage?.total_usage;
  return {
    cpuSeconds: typeof total === 'number' ? total / 1e9 : null,
    memoryUsedBytes: memoryInUse(data.memory_stats),
    at: new Date(at).toISOString(),
  };
}

/**
 * Usage less the inactive file cache, as the docker CLI counts it: the cache is memory the
 * kernel takes back under pressure, and counting it would show every sandbox that read a large
 * file as near its limit. cgroup v1 names it `total_inactive_file` (with child cgroups), v2
 * `inactive_file`.
 */
function memoryInUse(memory: EngineStats['memory_stats']): number | null {
  const usage = memory?.usage;
  if (typeof usage !== 'number') return null;
  const stats = memory?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file;
  return typeof inactive === 'number' && inactive < usage ? usage - inactive : usage;
}
