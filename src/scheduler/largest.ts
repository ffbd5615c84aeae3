/**
 * The largest launch that fits now, for a refusal to offer instead: the shared rule
 * (contract/largest-size.ts) over the same room the ledger places by, so the answer is one the
 * scheduler takes (until someone else launches first).
 */
import { largestSize, type LargestSize, type LargestSizeQuery } from '../contract/largest-size.js';
import { cpusPerSandbox, type Free, type MachineCapacity } from './place.js';

export type { LargestSize as LargestFit } from '../contract/largest-size.js';

/** The largest size one of the machines with room could take now, or null when none. */
export function largestFit(room: readonly Free[], machines: readonly MachineCapacity[], query: LargestSizeQuery): LargestSize | null {
  return largestSize(
    room.map((f) => ({
      machine: f.machine,
      cpus: f.cpus,
      memoryBytes: f.memoryBytes,
      gpus: f.gpus.length,
      sandboxes: f.sandboxes,
      cpusPerSandbox: cpusPerSandbox(machines, f.machine),
    })),
    query,
  );
}
