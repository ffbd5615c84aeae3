/**
 * Which machines can take a launch. Room is what a machine has minus what its sandboxes were
 * given (their allocation, not their current use: a sandbox may grow to its limit at any time).
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
  return {
    cpus: Math.max(0, machine.cpus - machine.allocated.cpus),
    memoryGiB: Math.max(0, (machine.memoryBytes - machine.allocated.memoryBytes) / GiB),
    gpus: machine.gpus.filter((gpu) => gpu.sandboxId === null).length,
  };
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
