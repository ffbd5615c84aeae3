/**
 * The reconciler joins the record of what should exist (the database) with what does (the
 * engines), at start-up and periodically: it adopts running containers of running sandboxes,
 * ends sandboxes whose container is gone, finishes launches and stops a dead hub left halfway,
 * removes containers nobody knows, and rebuilds the route table. A sandbox marked unknown while
 * its machine was down is running again if its container still is, and ended if not. It only ever touches containers
 * that carry this hub's deployment id.
 */
import type { Machine } from '../machines/registry.js';
import { LABELS, type ContainerInfo } from '../runtime/types.js';
import { now } from '../store/database.js';
import { LAUNCHING_STATES, LIVE_STATES, type SandboxRow } from '../store/sandboxes.js';
import { who } from './launch.js';
import type { SandboxService, SandboxServiceDeps } from './service.js';

export interface ReconcileReport {
  adopted: number;
  ended: number;
  removedOrphans: number;
  unreachableMachines: string[];
}

export async function reconcile(deps: SandboxServiceDeps, service: SandboxService): Promise<ReconcileReport> {
  const report: ReconcileReport = { adopted: 0, ended: 0, removedOrphans: 0, unreachableMachines: [] };
  const rows = await deps.repo.live();
  const liveIds = new Set<string>();
  for (const machine of deps.machines.list()) {
    const containers = await containersOf(deps, machine);
    if (containers === null) {
      // Nothing is decided about a machine we cannot see: its sandboxes keep their state.
      report.unreachableMachines.push(machine.name);
      for (const row of rows) if (row.machine === machine.name) liveIds.add(row.id);
      continue;
    }
    const byId = new Map(containers.map((c) => [c.labels[LABELS.sandbox] ?? '', c]));
    for (const row of rows.filter((r) => r.machine === machine.name)) {
      liveIds.add(row.id);
      if (service.isLaunching(row.id)) continue;
      const container = byId.get(row.id);
      if (row.state === 'running' || row.state === 'unknown') {
        if (container?.state === 'running' && container.endpoint) {
          // Logged when it changes something: a route the hub lacked (after a restart) or an unknown sandbox back.
          const routed = deps.routes.get(row.username, row.name)?.sandboxId === row.id;
          await adopt(deps, row, container);
          if (row.state === 'unknown' && (await deps.repo.update(row.id, { state: 'running' }, ['unknown']))) {
            await deps.events.record(row.id, 'running', `Its machine ${machine.name} answers again and the sandbox is still running`, null, {
              code: 'machine_back',
              params: { machine: machine.name },
            });
            deps.log.info({ ...who(row), container: container.name }, 'reconcile: a sandbox of a machine that answers again is still running');
          } else if (!routed) {
            deps.log.info({ ...who(row), container: container.name }, 'reconcile: adopted a running sandbox');
          }
          report.adopted++;
        } else {
          const why = container ? `its container exited with code ${container.exitCode ?? '?'}` : 'its container vanished';
          await service.finishStop(row, why);
          report.ended++;
        }
      } else if (LAUNCHING_STATES.includes(row.state)) {
        await endInterruptedLaunch(deps, row, container);
        report.ended++;
      } else if (row.state === 'stopping') {
        await service.finishStop({ ...row, container_id: container?.id ?? row.container_id }, row.reason ?? 'stopped');
        report.ended++;
      }
    }
    for (const container of containers) {
      const id = container.labels[LABELS.sandbox];
      if (id && (liveIds.has(id) || service.isLaunching(id))) continue;
      // Re-read: a launch may have begun after we listed the live rows.
      const row = id ? await deps.repo.byId(id) : undefined;
      if (row && LIVE_STATES.includes(row.state)) continue;
      await machine.runtime.remove(container.id).catch(() => undefined);
      deps.log.info({ machine: machine.name, container: container.name }, 'reconcile: removed a container no sandbox owns');
      report.removedOrphans++;
    }
  }
  // Routes of sandboxes that are no longer running go; running ones were (re)set by adopt.
  const running = new Set((await deps.repo.live()).filter((r) => r.state === 'running').map((r) => r.id));
  for (const route of deps.routes.list()) {
    if (!running.has(route.sandboxId) && !service.isLaunching(route.sandboxId)) deps.routes.delete(route.user, route.name);
  }
  await service.releaseEnded();
  return report;
}

/**
 * This hub's containers on a machine, or null when the machine cannot be seen: down at its last
 * health check (it is settled when it is back: the hub reconciles then), or not answering now.
 */
async function containersOf(deps: SandboxServiceDeps, machine: Machine): Promise<ContainerInfo[] | null> {
  if (machine.status === 'down') return null;
  try {
    return await machine.runtime.list({ [LABELS.deployment]: deps.deploymentId });
  } catch (err) {
    deps.log.warn({ machine: machine.name, err: (err as Error).message }, 'reconcile: machine does not answer');
    return null;
  }
}

async function adopt(deps: SandboxServiceDeps, row: SandboxRow, container: ContainerInfo): Promise<void> {
  const { host, port } = container.endpoint!;
  if (row.host !== host || row.port !== port || row.container_id !== container.id) {
    // The engine restarted the container on another port, or the hub died before saving it.
    await deps.repo.update(row.id, { host, port, container_id: container.id });
  }
  deps.routes.set({ sandboxId: row.id, user: row.username, name: row.name, target: { host, port }, token: row.token });
}

async function endInterruptedLaunch(deps: SandboxServiceDeps, row: SandboxRow, container: ContainerInfo | undefined): Promise<void> {
  const runtime = deps.machines.get(row.machine)?.runtime;
  const containerId = container?.id ?? row.container_id;
  if (runtime && containerId) await runtime.remove(containerId).catch(() => undefined);
  const reason = 'The hub restarted while this sandbox was launching; launch it again.';
  if (await deps.repo.update(row.id, { state: 'failed', reason, stopped_at: now() }, LAUNCHING_STATES)) {
    await deps.events.record(row.id, 'failed', reason);
    deps.log.info({ ...who(row), state: row.state, container: containerId }, 'reconcile: ended a launch a hub that died left halfway');
  }
}
