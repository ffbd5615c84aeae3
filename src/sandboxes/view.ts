/** How a sandbox record is shown through the API. */
import type { Sandbox } from '../contract/api.js';
import type { SandboxRow } from '../store/sandboxes.js';

const GiB = 1024 ** 3;

/** The path a sandbox is served at through the hub; also the Jupyter server's base URL. */
export const sandboxPath = (user: string, name: string): string => `/user/${user}/${name}/`;

export function toSandbox(row: SandboxRow, publicUrl: string, recentActivity: string | null): Sandbox {
  return {
    id: row.id,
    name: row.name,
    user: row.username,
    state: row.state,
    reason: row.reason,
    image: row.image,
    machine: row.machine,
    cpus: row.cpus,
    memoryGiB: Math.round((row.memory_bytes / GiB) * 1000) / 1000,
    gpus: JSON.parse(row.gpus) as string[],
    url: `${publicUrl}${sandboxPath(row.username, row.name)}`,
    createdAt: row.created_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    lastActivityAt: recentActivity ?? row.last_activity_at,
  };
}
