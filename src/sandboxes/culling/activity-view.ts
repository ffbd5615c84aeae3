/**
 * The ActivityView (types.ts) of the hub: every source of a sandbox's activity asked at once and
 * the newest answer kept (docs/culling.md, "What counts as activity"):
 *
 * - what the hub saw itself (ActivityRecorder): proxied traffic that counts, SSH sessions, the
 *   "Keep it running" button, and what the database held from before a restart;
 * - Jupyter's own view (jupyter-activity.ts): busy kernels, kernel and terminal last_activity;
 * - GPU utilisation at or above the policy's threshold (gpu-activity.ts).
 *
 * It has no timer: the culler asks when it runs. A source that fails is left out (each logs). The
 * answer is also given to the recorder (ActivityRecorder.observe), so that the sandbox's
 * `lastActivityAt` shows a busy kernel or GPU too, as fresh as the last check.
 */
import type { MachineRegistry } from '../../machines/registry.js';
import type { RouteTable } from '../../proxy/route-table.js';
import type { ActivityRecorder } from '../activity.js';
import type { Logger } from '../types.js';
import { sandboxPath } from '../view.js';
import { GpuActivity } from './gpu-activity.js';
import { JupyterActivity, type JupyterTarget } from './jupyter-activity.js';
import type { ActivitySubject, ActivityView, LastActivity } from './types.js';

/** The sources, each answering for one sandbox; any may answer null. */
export interface ActivitySources {
  recorded(sandbox: ActivitySubject): LastActivity | null;
  jupyter(sandbox: ActivitySubject): Promise<LastActivity | null>;
  /** When the sandbox's GPUs were last at or above `percent`. */
  gpus(sandbox: ActivitySubject, percent: number): LastActivity | null;
}

/** The newest of some activities (the first of equals), or null when there is none. */
export function newest(activities: ReadonlyArray<LastActivity | null>): LastActivity | null {
  let latest: LastActivity | null = null;
  for (const a of activities) if (a !== null && (latest === null || a.at > latest.at)) latest = a;
  return latest;
}

/** Combines the sources: the latest time of all, with the kind of the source that saw it. */
export class CombinedActivityView implements ActivityView {
  constructor(
    private readonly sources: ActivitySources,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  async lastActivity(sandbox: ActivitySubject, options: { gpuUtilisationPercent: number }): Promise<LastActivity | null> {
    const safely = async (name: string, read: () => LastActivity | null | Promise<LastActivity | null>): Promise<LastActivity | null> => {
      try {
        return await read();
      } catch (err) {
        this.log.warn({ sandboxId: sandbox.id, source: name, err: (err as Error).message }, 'culling: an activity source failed');
        return null;
      }
    };
    const answers = await Promise.all([
      safely('recorded', () => this.sources.recorded(sandbox)),
      safely('jupyter', () => this.sources.jupyter(sandbox)),
      safely('gpus', () => this.sources.gpus(sandbox, options.gpuUtilisationPercent)),
    ]);
    return newest(answers);
  }
}

export interface HubActivityParts {
  activity: ActivityRecorder;
  routes: RouteTable;
  machines: Pick<MachineRegistry, 'onGpuReading'>;
  log: Logger;
  /** Time for one sandbox's Jupyter probe, in ms (default 5 s). */
  jupyterTimeoutMs?: number;
  /** Jupyter probes at once (default 8). */
  jupyterConcurrency?: number;
}

const DEFAULT_JUPYTER_TIMEOUT_MS = 5_000;
const DEFAULT_JUPYTER_CONCURRENCY = 8;

/**
 * The hub's ActivityView from its parts: the recorder, the route table (where each sandbox's
 * server is and its secret) and the machines' GPU readings, recorded from now on.
 */
export function hubActivityView(parts: HubActivityParts): { view: ActivityView; gpus: GpuActivity; jupyter: JupyterActivity } {
  const gpus = new GpuActivity();
  parts.machines.onGpuReading((machine) => {
    if (machine.gpusAt !== null) gpus.record(machine.name, Date.parse(machine.gpusAt), machine.gpus);
  });
  const jupyter = new JupyterActivity({
    timeoutMs: parts.jupyterTimeoutMs ?? DEFAULT_JUPYTER_TIMEOUT_MS,
    concurrency: parts.jupyterConcurrency ?? DEFAULT_JUPYTER_CONCURRENCY,
    log: parts.log,
  });
  const combined = new CombinedActivityView(
    {
      recorded: (sandbox) => parts.activity.lastActivity(sandbox.id),
      jupyter: async (sandbox) => {
        const target = jupyterTarget(parts.routes, sandbox);
        return target === null ? null : jupyter.read(sandbox.id, target);
      },
      gpus: (sandbox, percent) => {
        if (sandbox.gpus.length === 0) return null;
        const since = sandbox.startedAt === null ? -Infinity : Date.parse(sandbox.startedAt);
        const at = gpus.lastBusy(sandbox.machine, sandbox.gpus, percent, Number.isNaN(since) ? -Infinity : since);
        return at === null ? null : { at, kind: 'gpu' };
      },
    },
    parts.log,
  );
  // What the culler goes by becomes the sandbox's last activity everywhere (its view, the database).
  const view: ActivityView = {
    async lastActivity(sandbox, options) {
      const found = await combined.lastActivity(sandbox, options);
      if (found !== null) parts.activity.observe(sandbox.id, found);
      return found;
    },
  };
  return { view, gpus, jupyter };
}

/** Where the hub reaches the sandbox's server, from its route; null when it has none (not running). */
function jupyterTarget(routes: RouteTable, sandbox: ActivitySubject): JupyterTarget | null {
  const route = routes.bySandboxId(sandbox.id);
  if (route === undefined) return null;
  return { host: route.target.host, port: route.target.port, basePath: sandboxPath(sandbox.username, sandbox.name), token: route.token };
}
