/**
 * The largest launch that fits now: what a refused launch can ask for instead and be placed.
 * Worked out from the same room the ledger places by, so the answer is one the scheduler takes
 * (until someone else launches first).
 */
import { defaultCpuRequest, GiB, MIN_CPUS, MIN_MEMORY_GIB } from '../contract/resources.js';
import { cpusPerSandbox, type Free, type MachineCapacity } from './place.js';

/** A size a launch can ask for: CPU limit and memory, with the CPU request it will hold. */
export interface LargestFit {
  machine: string;
  /** The CPU limit, to two decimals. */
  cpus: number;
  /** The CPU request that limit gets by default (cpus × the request fraction). */
  cpuRequest: number;
  /** Memory in GiB, to two decimals, rounded down so that asking for it fits. */
  memoryGiB: number;
}

export interface LargestFitQuery {
  /** GPUs the launch needs: only machines with that many free count. */
  gpus: number;
  /** Only this machine, when the launch was pinned to one. */
  machine?: string;
  /** sandboxes.defaults.cpuRequestFraction. */
  cpuRequestFraction: number;
  /** sandboxes.limits: never suggest more than one sandbox may have. */
  maxCpus: number;
  maxMemoryGiB: number;
}

/**
 * The largest size (most memory, then most CPUs: memory is what cannot be shared) that one
 * machine could take now with its default CPU request, or null when not even the smallest
 * sandbox (MIN_CPUS, MIN_MEMORY_GIB) fits anywhere.
 */
export function largestFit(room: readonly Free[], machines: readonly MachineCapacity[], query: LargestFitQuery): LargestFit | null {
  let best: LargestFit | null = null;
  for (const f of room) {
    if (query.machine !== undefined && f.machine !== query.machine) continue;
    if (f.sandboxes < 1 || f.gpus.length < query.gpus) continue;
    const ceiling = Math.min(cpusPerSandbox(machines, f.machine), query.maxCpus);
    let cpus = floor2(Math.min(ceiling, f.cpus / query.cpuRequestFraction));
    // The request is rounded to millicores, which can pass the free room by a hair.
    while (cpus >= MIN_CPUS && defaultCpuRequest(cpus, query.cpuRequestFraction) > f.cpus + 1e-9) cpus = floor2(cpus - 0.01);
    // Strictly down (no slack): memory is held whole, and a byte too many does not fit.
    const memoryGiB = Math.min(Math.floor((f.memoryBytes / GiB) * 100) / 100, query.maxMemoryGiB);
    if (cpus < MIN_CPUS || memoryGiB < MIN_MEMORY_GIB) continue;
    const fit = { machine: f.machine, cpus, cpuRequest: defaultCpuRequest(cpus, query.cpuRequestFraction), memoryGiB };
    if (!best || fit.memoryGiB > best.memoryGiB || (fit.memoryGiB === best.memoryGiB && fit.cpus > best.cpus)) best = fit;
  }
  return best;
}

/** Rounded down to two decimals, with slack for binary fractions (0.29 stays 0.29). */
function floor2(n: number): number {
  return Math.floor(n * 100 + 1e-6) / 100;
}
