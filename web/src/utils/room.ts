/**
 * Which machines can take a launch. Room is the hub's own figure (`free`): what sandboxes may use
 * there less what live ones were given (their allocation, not their current use: a sandbox may
 * grow to its limit at any time). Taking it as the hub reports it keeps reserved room, caps and
 * shared GPUs in one place, the scheduler's.
 */
import type { Machine } from '../api/types';
import { GiB } from './format';

export interface Room {
  cpus: number;
  memoryGiB: number;
  gpus: number;
}

export interface Need {
  cpus: number;
  memoryGiB: number;
  gpus: number;
}

export type NoRoom =
  | { kind: 'down' }
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
  const room = freeRoom(machine);
  if (need.cpus > room.cpus + EPSILON) return { kind: 'cpus', free: room.cpus };
  if (need.memoryGiB > room.memoryGiB + EPSILON) return { kind: 'memory', free: room.memoryGiB };
  if (need.gpus > room.gpus) return { kind: 'gpus', free: room.gpus };
  return null;
}

export function totalGpus(machines: readonly Machine[]): number {
  return machines.reduce((sum, m) => sum + m.gpus.length, 0);
}

/** The most GPUs any one answering machine has free. */
export function mostFreeGpus(machines: readonly Machine[]): number {
  return machines.filter((m) => m.status === 'up').reduce((most, m) => Math.max(most, freeRoom(m).gpus), 0);
}
