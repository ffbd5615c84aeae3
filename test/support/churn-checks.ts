/**
 * What must hold after a sandbox churn (sandbox-churn.ts) once everything has settled and one
 * last reconcile has run: the invariants of issue 16 ("The reconciler never destroys a sandbox
 * that is alive"). Each problem found is one line naming the sandboxes it concerns; the figures
 * go into one summary line.
 */
import { LAUNCHING_STATES, type SandboxState } from '../../src/contract/sandbox-states.js';
import { LABELS } from '../../src/runtime/types.js';
import type { Ledger } from '../../src/scheduler/ledger.js';
import type { SandboxRepository, SandboxRow } from '../../src/store/sandboxes.js';
import type { ContainerRemoval, ContainerWatch } from './container-watch.js';
import type { ChurnRecord, TrackedSandbox } from './sandbox-churn.js';

/** One line of the hub's log as pino wrote it. */
export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

/** pino's level of `info`. */
const INFO = 30;

/** The world the checks read, through the hub's public surfaces. */
export interface ChurnWorld {
  deploymentId: string;
  machines: readonly string[];
  repo: Pick<SandboxRepository, 'live' | 'byId'>;
  ledger: Pick<Ledger, 'heldIds' | 'usedOn'>;
  watch: ContainerWatch;
  log: readonly LogLine[];
  /** Null when the sandbox answers at its route (a 200 from its server), else why not. */
  answers(sandbox: TrackedSandbox): Promise<string | null>;
}

export interface ChurnFindings {
  /** Every broken invariant, one line each, prefixed by the invariant. Empty when all hold. */
  problems: string[];
  /** Containers removed by the hub during the churn. */
  removals: number;
  /** Containers stopped or removed while the driver's last request for their sandbox was a launch. */
  wrongfulRemovals: number;
  /** Operations by kind, removals, wrongful removals and the seed, on one line. */
  summary: string;
}

const launching = (state: string | null): boolean => state !== null && LAUNCHING_STATES.includes(state as SandboxState);

export async function checkChurn(world: ChurnWorld, record: ChurnRecord): Promise<ChurnFindings> {
  const problems: string[] = [...record.unexpected.map((u) => `unexpected answer: ${u}`)];
  const tracked = new Map(record.sandboxes.map((s) => [s.id, s]));
  const rows = new Map<string, SandboxRow>();
  for (const s of record.sandboxes) {
    const row = await world.repo.byId(s.id);
    if (row) rows.set(s.id, row);
  }
  const label = (id: string) => {
    const s = tracked.get(id);
    return s ? `${s.user}/${s.name} (${id})` : `sandbox ${id} (not launched by the churn)`;
  };

  // 1. Every sandbox whose last request was an accepted launch runs and answers at its route;
  // one whose container was killed from outside has been ended by the reconciler, with why.
  for (const s of record.sandboxes) {
    if (s.stopAskedAt !== null) continue;
    if (s.crashedAt !== null) {
      const row = rows.get(s.id);
      // Stopped by the reconciler, or failed by its launch when the kill came before its server answered.
      const ended = row?.state === 'stopped' || row?.state === 'failed';
      if (!ended || !/(exited with code|removed outside Shiva|stopped outside Shiva)/.test(row.reason ?? '')) {
        problems.push(`crashed but not ended: ${label(s.id)} is ${row?.state ?? 'absent'}${row?.reason ? ` (${row.reason})` : ''} after its container was killed`);
      }
      continue;
    }
    const row = rows.get(s.id);
    if (!row) {
      problems.push(`launched but not running: ${label(s.id)} has no record`);
      continue;
    }
    if (row.state !== 'running') {
      problems.push(`launched but not running: ${label(s.id)} is ${row.state}${row.reason ? ` (${row.reason})` : ''}`);
      continue;
    }
    const why = await world.answers(s);
    if (why !== null) problems.push(`launched but unreachable: ${label(s.id)} is running but its route does not answer: ${why}`);
  }

  // A launch that failed is reported even when a stop came after it: under churn, as alone,
  // a launch fails only for a reason its user must hear (a stop ends it as stopped instead).
  for (const s of record.sandboxes) {
    const row = rows.get(s.id);
    if (s.stopAskedAt !== null && row?.state === 'failed') problems.push(`launch failed: ${label(s.id)} failed (${row.reason ?? 'no reason'}) before its stop`);
  }

  // 2. No container was stopped or removed while its sandbox's last request was a launch,
  // unless the launch failed on its own (it removes its container before it records the failure).
  const wrongful = new Map<string, ContainerRemoval>();
  const fromStopOrFailure = (r: ContainerRemoval): boolean => {
    const s = tracked.get(r.sandboxId);
    if (s?.stopAskedAt !== null && s?.stopAskedAt !== undefined && s.stopAskedAt <= r.at) return true;
    return rows.get(r.sandboxId)?.state === 'failed' && launching(r.rowState);
  };
  /** The reconciler cleaning up after a container killed from outside: rightful, but its own act. */
  const afterCrash = (r: ContainerRemoval): boolean => {
    const crashedAt = tracked.get(r.sandboxId)?.crashedAt;
    return crashedAt !== null && crashedAt !== undefined && crashedAt <= r.at;
  };
  for (const r of world.watch.removals) {
    if (!tracked.has(r.sandboxId) || fromStopOrFailure(r) || afterCrash(r)) continue;
    // Container ids are unique per engine only (the fake numbers them from 1 on each machine).
    const key = `${r.machine}/${r.containerId}`;
    if (!wrongful.has(key)) wrongful.set(key, r);
  }
  for (const r of wrongful.values()) {
    const started = rows.get(r.sandboxId)?.started_at;
    const sinceRunning = started ? `, ${r.at - Date.parse(started)} ms after it was running` : '';
    problems.push(`wrongful removal: ${label(r.sandboxId)} lost its container ${r.containerName} (${r.op}) while its row was ${r.rowState ?? 'absent'}${sinceRunning}; its last request was a launch`);
  }

  // 3. No orphan: every container of the deployment belongs to a live sandbox, one each.
  const live = await world.repo.live();
  const liveIds = new Set(live.map((r) => r.id));
  const containers = await world.watch.containers({ [LABELS.deployment]: world.deploymentId });
  const perSandbox = new Map<string, string[]>();
  for (const { machine, container } of containers) {
    const id = container.labels[LABELS.sandbox] ?? '';
    if (!liveIds.has(id)) problems.push(`orphan: container ${container.name} on ${machine} (${container.state}) belongs to ${id ? `${label(id)}, which is not live` : 'no sandbox'}`);
    perSandbox.set(id, [...(perSandbox.get(id) ?? []), container.name]);
  }
  for (const [id, names] of perSandbox) {
    if (id && names.length > 1) problems.push(`orphan: ${label(id)} has ${names.length} containers: ${names.join(', ')}`);
  }

  // 4. No room held twice: the ledger holds exactly the live sandboxes, what they hold, and no GPU twice.
  const held = new Set(world.ledger.heldIds());
  for (const id of held) if (!liveIds.has(id)) problems.push(`room held twice: the ledger still holds ${label(id)}, which is ${rows.get(id)?.state ?? 'not live'}`);
  for (const id of liveIds) if (!held.has(id)) problems.push(`room held twice: ${label(id)} is live (${live.find((r) => r.id === id)?.state}) but the ledger does not hold its room`);
  for (const machine of world.machines) {
    const on = live.filter((r) => r.machine === machine);
    const holders = new Map<string, string[]>();
    for (const r of on) for (const gpu of JSON.parse(r.gpus) as string[]) holders.set(gpu, [...(holders.get(gpu) ?? []), r.id]);
    for (const [gpu, ids] of holders) if (ids.length > 1) problems.push(`GPU twice: ${gpu} on ${machine} is held by ${ids.map(label).join(' and ')}`);
    const used = world.ledger.usedOn(machine);
    const rowsSay = {
      sandboxes: on.length,
      cpus: on.reduce((sum, r) => sum + r.cpu_request, 0),
      memoryBytes: on.reduce((sum, r) => sum + r.memory_bytes, 0),
      gpus: holders.size,
    };
    if (used.sandboxes !== rowsSay.sandboxes || Math.abs(used.cpus - rowsSay.cpus) > 1e-6 || used.memoryBytes !== rowsSay.memoryBytes || used.gpus !== rowsSay.gpus) {
      problems.push(`room held twice: on ${machine} the ledger holds ${JSON.stringify(used)} but its live sandboxes hold ${JSON.stringify(rowsSay)}`);
    }
  }

  // 5. Every removal that was neither a user's stop nor a failed launch's own is named in the log.
  for (const r of world.watch.removals) {
    if (tracked.has(r.sandboxId) && fromStopOrFailure(r)) continue;
    if (!namedInLog(world.log, r)) {
      problems.push(`unlogged removal: no info line names the container ${r.containerName} of ${label(r.sandboxId)} (${r.op} while its row was ${r.rowState ?? 'absent'})`);
    }
  }

  const removed = new Set(world.watch.removals.filter((r) => r.op === 'remove').map((r) => `${r.machine}/${r.containerId}`));
  const afterCrashes = new Set(world.watch.removals.filter((r) => r.op === 'remove' && afterCrash(r)).map((r) => `${r.machine}/${r.containerId}`));
  const { launches, relaunches, duplicates, stops, crashes, reconciles, refused } = record.counts;
  const refusedText = Object.entries(refused).map(([code, n]) => `${code}:${n}`).join(',') || 'none';
  const summary =
    `churn seed=${record.seed}: launches=${launches} relaunches=${relaunches} duplicate-launches=${duplicates} stops=${stops} crashes=${crashes} ` +
    `reconciles=${reconciles} refused=${refusedText} sandboxes=${record.sandboxes.length} removals=${removed.size} removals-after-crash=${afterCrashes.size} wrongful-removals=${wrongful.size} problems=${problems.length}`;
  return { problems, removals: removed.size, wrongfulRemovals: wrongful.size, summary };
}

/**
 * Whether an info (or louder) line names the removed container: its id (whole or the 12-digit
 * short form) or its name. Its sandbox's id alone does not count, wherever the line is: every
 * lifecycle line of a sandbox names it (a stop's, a launch's), and one of those written while
 * the removal was under way would pass for the removal's own.
 */
function namedInLog(log: readonly LogLine[], r: ContainerRemoval): boolean {
  const container = new Set([r.containerId, r.containerId.slice(0, 12), r.containerName]);
  return log.some((line) => line.level >= INFO && stringsOf(line).some((v) => container.has(v)));
}

/** The string values of a log line, one level of nesting deep (pino's `err` and similar objects). */
function stringsOf(line: LogLine): string[] {
  const out: string[] = [];
  for (const value of Object.values(line)) {
    if (typeof value === 'string') out.push(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) if (typeof inner === 'string') out.push(inner);
  }
  return out;
}
