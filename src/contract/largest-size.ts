/**
 * The largest sandbox that fits now: the rule shared by the hub (what a NO_CAPACITY refusal
 * offers instead) and the dashboard (the sizes its launch form offers), so both name the same
 * figures. CPUs are fitted by request, as the scheduler places them (see scheduler/place.ts).
 */
import { defaultCpuRequest, GiB, MIN_CPUS, MIN_MEMORY_GIB } from './resources.js';

/** What one machine could still give a launch. */
export interface MachineRoom {
  machine: string;
  /** CPU requests still free (capacity × overcommit, less what live sandboxes hold). */
  cpus: number;
  memoryBytes: number;
  gpus: number;
  /** How many more sandboxes it may hold (Infinity without a cap). */
  sandboxes: number;
  /** The most CPUs one sandbox's limit may be there: the engine's CPU count. */
  cpusPerSandbox: number;
}

/** A size a launch can ask for: CPU limit and memory, with the CPU request it will hold. */
export interface LargestSize {
  machine: string;
  /** The CPU limit, to two decimals. */
  cpus: number;
  /** The CPU request that limit gets by default (cpus × the request fraction). */
  cpuRequest: number;
  /** Memory in GiB, to two decimals, rounded down so that asking for it fits. */
  memoryGiB: number;
}

export interface LargestSizeQuery {
  /** GPUs the launch needs: only machines with that many free count. */
  gpus: number;
  /** Only this machine, when the launch is pinned to one. */
  machine?: string;
  /** sandboxes.defaults.cpuRequestFraction. */
  cpuRequestFraction: number;
  /** sandboxes.limits: never more than one sandbox may have. */
  maxCpus: number;
  maxMemoryGiB: number;
}

/** The largest size one machine could take now with the default CPU request, or null when none. */
export function largestSizeOn(room: MachineRoom, query: LargestSizeQuery): LargestSize | null {
  if (query.machine !== undefined && room.machine !== query.machine) return null;
  if (room.sandboxes < 1 || room.gpus < query.gpus) return null;
  const ceiling = Math.min(room.cpusPerSandbox, query.maxCpus);
  let cpus = floor2(Math.min(ceiling, room.cpus / query.cpuRequestFraction));
  // The request is rounded to millicores, which can pass the free room by a hair.
  while (cpus >= MIN_CPUS && defaultCpuRequest(cpus, query.cpuRequestFraction) > room.cpus + 1e-9) cpus = floor2(cpus - 0.01);
  // Strictly down (no slack): memory is held whole, and a byte too many does not fit.
  const memoryGiB = Math.min(Math.floor((room.memoryBytes / GiB) * 100) / 100, query.maxMemoryGiB);
  if (cpus < MIN_CPUS || memoryGiB < MIN_MEMORY_GIB) return null;
  return { machine: room.machine, cpus, cpuRequest: defaultCpuRequest(cpus, query.cpuRequestFraction), memoryGiB };
}

/**
 * The largest size (most memory, then most CPUs: memory is what cannot be shared) that one of
 * the machines could take now, or null when not even the smallest sandbox (MIN_CPUS,
 * MIN_MEMORY_GIB) fits anywhere.
 */
export function largestSize(rooms: readonly MachineRoom[], query: LargestSizeQuery): LargestSize | null {
  let best: LargestSize | null = null;
  for (const room of rooms) {
    const fit = largestSizeOn(room, query);
    if (fit && (!best || fit.memoryGiB > best.memoryGiB || (fit.memoryGiB === best.memoryGiB && fit.cpus > best.cpus))) best = fit;
  }
  return best;
}

/** Rounded down to two decimals, with slack for binary fractions (0.29 stays 0.29). */
function floor2(n: number): number {
  return Math.floor(n * 100 + 1e-6) / 100;
}
