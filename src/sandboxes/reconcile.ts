/**
 * The reconciler joins the record of what should exist (the database) with what does (the
 * engines), at start-up and periodically: it adopts running containers of running sandboxes,
 * ends sandboxes whose container is gone, finishes launches and stops a dead hub left halfway,
 * removes containers nobody knows, and rebuilds the route table. A sandbox marked unknown while
 * its machine was down is running again if its container still is, and ended if not. It only ever
 * touches containers that carry this hub's deployment id.
 *
 * It decides from the rows it read and the containers it listed after, which may both be stale by
 * the time it acts: every action goes through the lifecycle (src/sandboxes/lifecycle.ts), which
 * re-reads the sandbox under its lock and acts only if nobody is working on it and its row has not
 * changed since it was read. Anything else waits for the next pass.
 */
import type { Machine } from '../machines/registry.js';
import { isLaunching } from '../contract/sandbox-states.js';
import { LABELS, type ContainerInfo } from '../runtime/types.js';
import type { SandboxRow } from '../store/sandboxes.js';
import { explainExit } from './exit-reason.js';
import type { ReconcileDecision } from './lifecycle.js';
import { logTail, LOG_TAIL_LINES } from './log-tail.js';
import type { SandboxService, SandboxServiceDeps } from './service.js';

export interface ReconcileReport {
  adopted: number;
  ended: number;
  removedOrphans: number;
  unreachableMachines: string[];
  /** Sandboxes left for the next pass: a launch or stop was working on them, or they changed meanwhile. */
  deferred: number;
}

export async function reconcile(deps: SandboxServiceDeps, service: SandboxService): Promise<ReconcileReport> {
  const report: ReconcileReport = { adopted: 0, ended: 0, removedOrphans: 0, unreachableMachines: [], deferred: 0 };
  const { lifecycle } = service;
  const rows = await deps.repo.live();
  const liveIds = new Set(rows.map((r) => r.id));
  /** Sandboxes whose container may still exist: listed, or on a machine that could not be seen. */
  const withContainer = new Set<string>();
  for (const machine of deps.machines.list()) {
    const containers = await containersOf(deps, machine);
    if (containers === null) {
      // Nothing is decided about a machine we cannot see: its sandboxes keep their state and room.
      report.unreachableMachines.push(machine.name);
      for (const held of service.ledger.heldOn(machine.name)) withContainer.add(held);
      continue;
    }
    for (const c of containers) {
      const id = c.labels[LABELS.sandbox];
      if (id) withContainer.add(id);
    }
    const byId = new Map(containers.map((c) => [c.labels[LABELS.sandbox] ?? '', c]));
    for (const row of rows.filter((r) => r.machine === machine.name)) {
      const decision = decide(row, await inspected(machine, row, byId.get(row.id)));
      if (!decision) continue;
      if (decision.action === 'end' && decision.container) {
        // The same last lines the exit watcher keeps, when it did not hear of this end.
        decision.logTail = await machine.runtime.logs(decision.container.id, LOG_TAIL_LINES).then((text) => logTail(text, [row.token]), () => null);
      }
      const outcome = await lifecycle.reconcile(row.id, row.version, decision);
      if (outcome !== 'done') report.deferred++;
      else if (decision.action === 'adopt') report.adopted++;
      else report.ended++;
    }
    for (const container of containers) {
      const id = container.labels[LABELS.sandbox];
      if (id && liveIds.has(id)) continue;
      if (await lifecycle.removeOrphan(machine.name, container, id)) {
        report.removedOrphans++;
        if (id) withContainer.delete(id);
      }
    }
  }
  // A safety net: every transition away from running drops its own route.
  for (const route of deps.routes.list()) await lifecycle.dropStaleRoute(route);
  const stillLive = new Set((await deps.repo.live()).map((r) => r.id));
  await lifecycle.releaseEnded(stillLive, withContainer);
  return report;
}

/**
 * What to do about a live sandbox, from its row and its container as listed (undefined: none),
 * or null for nothing. Pure; the lifecycle re-checks it under the sandbox's lock before acting.
 */
export function decide(row: SandboxRow, container: ContainerInfo | undefined): ReconcileDecision | null {
  if (row.state === 'running' || row.state === 'unknown') {
    if (container?.state === 'running' && container.endpoint) return { action: 'adopt', container };
    const why = explainExit({ container: container ?? null, signal: null, memoryBytes: row.memory_bytes });
    return { action: 'end', why, container };
  }
  if (isLaunching(row.state)) return { action: 'abandon', container };
  if (row.state === 'stopping') return { action: 'finishStop', container };
  return null;
}

/**
 * The listed container of a running (or unknown) sandbox, inspected when it no longer runs: a
 * list does not say whether the kernel killed it for memory, an inspect does.
 */
async function inspected(machine: Machine, row: SandboxRow, listed: ContainerInfo | undefined): Promise<ContainerInfo | undefined> {
  if (!listed || listed.state === 'running' || (row.state !== 'running' && row.state !== 'unknown')) return listed;
  return (await machine.runtime.inspect(listed.id).catch(() => null)) ?? listed;
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
