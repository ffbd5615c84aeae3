/** How a sandbox record is shown through the API. */
import type { IdleStop, Sandbox } from '../contract/api.js';
import type { SandboxOrigins } from '../proxy/origins.js';
import type { SandboxRow } from '../store/sandboxes.js';

const GiB = 1024 ** 3;

export { sandboxPath } from '../proxy/origins.js';

/**
 * The sandbox as the API shows it; its `url` is on the sandbox's own origin (see proxy/origins.ts).
 * Shown only while it runs: `memoryUsedBytes`, the latest reading (sandboxes/live-stats.ts), and
 * `idleStop`, the stop the culler has warned of.
 */
export function toSandbox(
  row: SandboxRow,
  origins: SandboxOrigins,
  recentActivity: string | null,
  live: { memoryUsedBytes?: number | null; idleStop?: IdleStop | null } = {},
): Sandbox {
  return {
    id: row.id,
    name: row.name,
    user: row.username,
    state: row.state,
    reason: row.reason,
    image: row.image,
    machine: row.machine,
    cpus: row.cpus,
    cpuRequest: row.cpu_request,
    memoryGiB: Math.round((row.memory_bytes / GiB) * 1000) / 1000,
    memoryUsedBytes: row.state === 'running' ? (live.memoryUsedBytes ?? null) : null,
    gpus: JSON.parse(row.gpus) as string[],
    url: origins.url(row.username, row.name),
    createdAt: row.created_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    lastActivityAt: recentActivity ?? row.last_activity_at,
    idleStop: row.state === 'running' ? (live.idleStop ?? null) : null,
    ...(row.oom_kills > 0 && row.last_oom_at ? { oomKills: { count: row.oom_kills, lastAt: row.last_oom_at } } : {}),
    // Only an ended sandbox shows its last lines: they are of a container that no longer runs.
    logTail: row.state === 'stopped' || row.state === 'failed' ? row.log_tail : null,
  };
}
