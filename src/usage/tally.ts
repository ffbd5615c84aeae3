/**
 * What every usage figure is made from: how many sandboxes, and how many milliseconds sandboxes
 * of each size ran. Milliseconds are integers and are summed exactly, whatever order the
 * sandboxes (or the days of the roll-up) come in; a size's CPU, GPU and memory rates multiply its
 * summed milliseconds once, when the figures are made, and the result is rounded once. So the
 * figures worked out from sandbox rows and from the daily roll-up are the same to the last bit.
 */
import type { UsageFigures } from '../contract/api.js';
import { GiB } from '../contract/resources.js';

const HOUR_MS = 3_600_000;
/** Figures are given to 1/10 000 of an hour (0.36 s): finer is noise, and it keeps sums tidy. */
const DECIMALS = 4;

/** What a sandbox was given, the rates its milliseconds are counted at. */
export interface UsageSize {
  /** CPUs, its CPU request (what the scheduler held), not its limit. */
  cpuRequest: number;
  memoryBytes: number;
  /** How many GPUs it held. */
  gpus: number;
}

/** A usage figure's making: sandboxes counted, and integer milliseconds per size (keyed by sizeKey). */
export interface Tally {
  sandboxes: number;
  ms: Map<string, { size: UsageSize; ms: number }>;
}

export const newTally = (): Tally => ({ sandboxes: 0, ms: new Map() });

/** One key per distinct size; String() of a number reads back as the same number. */
export const sizeKey = (size: UsageSize): string => `${String(size.cpuRequest)}/${size.memoryBytes}/${size.gpus}`;

/** The GPUs a sandbox holds, from its JSON list of GPU ids; none for anything unreadable. */
export function gpuCount(gpus: string): number {
  try {
    const list: unknown = JSON.parse(gpus);
    return Array.isArray(list) ? list.length : 0;
  } catch {
    return 0;
  }
}

/** Adds `ms` milliseconds of a sandbox of `size` (counting no sandbox: the caller knows which are new); `key` is its sizeKey when known. */
export function addMs(tally: Tally, size: UsageSize, ms: number, key: string = sizeKey(size)): void {
  const entry = tally.ms.get(key);
  if (entry) entry.ms += ms;
  else tally.ms.set(key, { size, ms });
}

const round = (value: number): number => {
  const factor = 10 ** DECIMALS;
  return Math.round(value * factor) / factor;
};

/** The figures of a tally in hours, rounded once; sizes are taken in key order so that any path to the same tally gives the same bits. */
export function figures(tally: Tally): UsageFigures {
  let ms = 0;
  let cpuMs = 0;
  let gpuMs = 0;
  let memoryGiBMs = 0;
  // Most tallies hold one size: sorting is for the few that hold several.
  for (const key of tally.ms.size > 1 ? [...tally.ms.keys()].sort() : tally.ms.keys()) {
    const entry = tally.ms.get(key)!;
    ms += entry.ms;
    cpuMs += entry.size.cpuRequest * entry.ms;
    gpuMs += entry.size.gpus * entry.ms;
    memoryGiBMs += (entry.size.memoryBytes / GiB) * entry.ms;
  }
  return {
    sandboxes: tally.sandboxes,
    sandboxHours: round(ms / HOUR_MS),
    cpuHours: round(cpuMs / HOUR_MS),
    gpuHours: round(gpuMs / HOUR_MS),
    memoryGiBHours: round(memoryGiBMs / HOUR_MS),
  };
}
