/**
 * Placement: which machine, and which GPUs on it, a launch gets. A pure function over what is
 * left on each machine; the Ledger (ledger.ts) keeps that up to date and makes it atomic.
 *
 * `pack` fills the fullest machine that fits, keeping whole machines free for big jobs;
 * `spread` takes the emptiest. GPUs are chosen by id (never "any N"), lowest index first.
 *
 * CPUs are placed by request, as Kubernetes schedules pods ("Resource Management for Pods and
 * Containers"): a sandbox holds its CPU request, what it is guaranteed under contention, while
 * its limit, what it may burst to, is only checked against the engine's own ceiling. CPU time is
 * compressible, so idle sandboxes cost the others nothing; memory is not, so it is held whole.
 */
import { count } from '../contract/count.js';

export type Policy = 'pack' | 'spread';

export interface MachineCapacity {
  name: string;
  up: boolean;
  /** What sandboxes may use in all (the machine less what is reserved for the system). */
  cpus: number;
  memoryBytes: number;
  /** GPU ids in index order. */
  gpus: readonly string[];
  /** An admin may let sandboxes share this machine's GPUs. */
  shareGpus?: boolean;
  /** The most live sandboxes this machine may hold; no cap when absent. */
  sandboxes?: number;
  /**
   * The most CPUs one sandbox may have here: the engine's CPU count, since Docker refuses a
   * larger `--cpus` ("Range of CPUs is from 0.01 to N"), whatever the overcommit. No cap when absent.
   */
  cpusPerSandbox?: number;
}

export interface Holding {
  machine: string;
  /** The CPU request the sandbox holds. */
  cpus: number;
  memoryBytes: number;
  gpus: readonly string[];
}

export interface PlacementRequest {
  /** The CPU request: what the machine must have free, and what is held once placed. */
  cpus: number;
  /** The CPU limit, which must not pass the machine's cpusPerSandbox; `cpus` when absent. */
  cpuLimit?: number;
  memoryBytes: number;
  gpus: number;
  /** Only this machine. */
  machine?: string;
}

export interface Free {
  machine: string;
  cpus: number;
  memoryBytes: number;
  gpus: string[];
  /** How many more sandboxes the machine may hold (Infinity without a cap). */
  sandboxes: number;
}

export type Placement = { ok: true; machine: string; gpus: string[] } | { ok: false; reason: string; mostRoom: Free | null };

/** Placement over what is left on each machine that is up (the ledger works it out as it goes). */
export function placeIn(room: Free[], machines: readonly MachineCapacity[], request: PlacementRequest, policy: Policy): Placement {
  const candidates = request.machine ? room.filter((f) => f.machine === request.machine) : room;
  const fits = candidates.filter(
    (f) =>
      f.cpus >= request.cpus - 1e-9 &&
      f.memoryBytes >= request.memoryBytes &&
      f.gpus.length >= request.gpus &&
      f.sandboxes >= 1 &&
      (request.cpuLimit ?? request.cpus) <= cpusPerSandbox(machines, f.machine),
  );
  if (fits.length === 0) {
    const mostRoom = [...room].sort(byRoom)[room.length - 1] ?? null;
    return { ok: false, reason: shortage(machines, candidates, request), mostRoom };
  }
  // Ties keep the machine listed first in the config, under either policy.
  let chosen = fits[0]!;
  for (const f of fits) {
    const order = compareRoom(f, chosen);
    if (policy === 'pack' ? order < 0 : order > 0) chosen = f;
  }
  return { ok: true, machine: chosen.machine, gpus: chosen.gpus.slice(0, request.gpus) };
}

/** Least room first: GPUs matter most (they are the scarce thing), then memory, then CPUs. */
function compareRoom(a: Free, b: Free): number {
  return a.gpus.length - b.gpus.length || a.memoryBytes - b.memoryBytes || a.cpus - b.cpus;
}

function byRoom(a: Free, b: Free): number {
  return compareRoom(a, b) || a.machine.localeCompare(b.machine);
}

function shortage(machines: readonly MachineCapacity[], candidates: Free[], request: PlacementRequest): string {
  if (request.machine) {
    const m = machines.find((x) => x.name === request.machine);
    if (!m) return `there is no machine ${request.machine}`;
    if (!m.up) return `${request.machine} does not answer`;
  }
  if (candidates.length === 0) return 'no machine answers';
  if (request.gpus > 0 && machines.every((m) => m.gpus.length === 0)) return 'no machine of this hub has GPUs';
  const GiB = 1024 ** 3;
  // Free room and what was asked side by side, so "23.54 GiB free (30 GiB asked)" never reads as the machine's size.
  const short = (f: Free) => {
    const lacks: string[] = [];
    const most = cpusPerSandbox(machines, f.machine);
    if ((request.cpuLimit ?? request.cpus) > most) lacks.push(`${count(most, 'CPU')} in all, so at most ${most} per sandbox`);
    else if (f.cpus < request.cpus) lacks.push(`${count(round(f.cpus), 'CPU')} free (${request.cpus} asked)`);
    if (f.memoryBytes < request.memoryBytes) lacks.push(`${round(f.memoryBytes / GiB)} GiB free (${round(request.memoryBytes / GiB)} GiB asked)`);
    if (f.gpus.length < request.gpus) lacks.push(`${count(f.gpus.length, 'GPU')} free (${request.gpus} asked)`);
    if (f.sandboxes < 1) lacks.push('at its most sandboxes');
    return `${f.machine}: ${lacks.join(', ')}`;
  };
  return candidates.map(short).join('; ');
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The most CPUs one sandbox may have on the named machine (Infinity when unknown). */
export function cpusPerSandbox(machines: readonly MachineCapacity[], name: string): number {
  return machines.find((m) => m.name === name)?.cpusPerSandbox ?? Number.POSITIVE_INFINITY;
}
