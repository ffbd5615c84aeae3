/**
 * Which machines can take a launch. Room is the hub's own figure (`free`): what sandboxes may use
 * there less what live ones hold (their allocation, not their current use: a sandbox may grow to
 * its limit at any time). CPUs are held by request, so a size fits where its CPU request fits
 * the free CPUs and its CPU limit is within the machine's CPU count; memory is held whole.
 * Taking room as the hub reports it keeps reserved room, caps and shared GPUs in one place, the
 * scheduler's.
 */
import { largestSize, type LargestSize, type MachineRoom } from '../../../src/contract/largest-size';
import type { Machine, Me } from '../api/types';
import { GiB } from './format';

export interface Room {
  cpus: number;
  memoryGiB: number;
  gpus: number;
}

export interface Need {
  /** The CPU limit. */
  cpus: number;
  /** The CPU request, what must be free. */
  cpuRequest: number;
  memoryGiB: number;
  gpus: number;
}

export type NoRoom =
  | { kind: 'down' }
  | { kind: 'notReady' }
  | { kind: 'cpusPerSandbox'; most: number }
  | { kind: 'cpus'; free: number }
  | { kind: 'memory'; free: number }
  | { kind: 'gpus'; free: number };

/** Rounding slack, so 0.1 + 0.2 CPUs still fits in 0.3. */
const EPSILON = 1e-6;

export function freeRoom(machine: Machine): Room {
  const { free } = machine;
  return { cpus: free.cpus, memoryGiB: free.memoryBytes / GiB, gpus: free.gpus };
}

/** Why this machine cannot take the launch, or null when it can. */
export function whyNoRoom(machine: Machine, need: Need): NoRoom | null {
  if (machine.status !== 'up') return { kind: 'down' };
  // The hub refuses a launch there (MACHINE_NOT_READY): it does not see the shared homes.
  if (machine.homes?.ready === false) return { kind: 'notReady' };
  // The engine refuses a CPU limit above its CPU count, however much is free.
  if (machine.cpus > 0 && need.cpus > machine.cpus + EPSILON) return { kind: 'cpusPerSandbox', most: machine.cpus };
  const room = freeRoom(machine);
  if (need.cpuRequest > room.cpus + EPSILON) return { kind: 'cpus', free: room.cpus };
  if (need.memoryGiB > room.memoryGiB + EPSILON) return { kind: 'memory', free: room.memoryGiB };
  if (need.gpus > room.gpus) return { kind: 'gpus', free: room.gpus };
  return null;
}

/** The largest size that one of `machines` could take now with `gpus` GPUs (the hub's own rule), or null. */
export function largestFitting(machines: readonly Machine[], gpus: number, limits: Me['limits']): LargestSize | null {
  const rooms: MachineRoom[] = machines
    // A machine that does not see the shared homes takes no launch, however much room it has.
    .filter((m) => m.status === 'up' && m.homes?.ready !== false)
    .map((m) => ({
      machine: m.name,
      cpus: m.free.cpus,
      memoryBytes: m.free.memoryBytes,
      gpus: m.free.gpus,
      // The hub shows no room at all on a machine at its most sandboxes.
      sandboxes: 1,
      cpusPerSandbox: m.cpus > 0 ? m.cpus : Number.POSITIVE_INFINITY,
    }));
  return largestSize(rooms, { gpus, cpuRequestFraction: limits.defaults.cpuRequestFraction, maxCpus: limits.max.cpus, maxMemoryGiB: limits.max.memoryGiB });
}

export function totalGpus(machines: readonly Machine[]): number {
  return machines.reduce((sum, m) => sum + m.gpus.length, 0);
}

/** The most GPUs any one answering machine that takes launches has free. */
export function mostFreeGpus(machines: readonly Machine[]): number {
  return machines.filter((m) => m.status === 'up' && m.homes?.ready !== false).reduce((most, m) => Math.max(most, freeRoom(m).gpus), 0);
}
