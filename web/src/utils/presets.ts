/**
 * Launch sizes a person picks from instead of typing numbers: half the configured default, the
 * default, then doublings of it, then the largest allowed, each within the limits from
 * GET /api/me. Each carries the CPU request the hub will give it (cpus × cpuRequestFraction),
 * which is what has to fit a machine's free CPUs.
 */
import { defaultCpuRequest, MIN_CPUS, MIN_MEMORY_GIB } from '../../../src/contract/resources';
import type { Me } from '../api/types';

export type PresetId = 'small' | 'standard' | 'large' | 'xlarge' | 'max';

export interface SizePreset {
  id: PresetId;
  /** The CPU limit. */
  cpus: number;
  /** The CPU request the hub holds for it. */
  cpuRequest: number;
  memoryGiB: number;
}

export function sizePresets(limits: Me['limits']): SizePreset[] {
  const { defaults, max } = limits;
  const sized = (id: PresetId, cpus: number, memoryGiB: number): SizePreset => ({
    id,
    cpus,
    cpuRequest: defaultCpuRequest(cpus, defaults.cpuRequestFraction),
    memoryGiB,
  });
  const clamp = (id: PresetId, factor: number): SizePreset =>
    sized(id, Math.min(defaults.cpus * factor, max.cpus), Math.min(defaults.memoryGiB * factor, max.memoryGiB));
  // Half the default, for a machine too full for the default (no smaller than the hub takes).
  const small = sized('small', Math.max(MIN_CPUS, Math.min(defaults.cpus / 2, max.cpus)), Math.max(MIN_MEMORY_GIB, Math.min(defaults.memoryGiB / 2, max.memoryGiB)));
  const standard = clamp('standard', 1);
  const candidates: SizePreset[] = [
    ...(small.cpus < standard.cpus || small.memoryGiB < standard.memoryGiB ? [small] : []),
    standard,
    clamp('large', 2),
    clamp('xlarge', 4),
    sized('max', max.cpus, max.memoryGiB),
  ];
  const presets: SizePreset[] = [];
  for (const candidate of candidates) {
    const previous = presets.at(-1);
    if (previous && candidate.cpus <= previous.cpus && candidate.memoryGiB <= previous.memoryGiB) continue;
    presets.push(candidate);
  }
  return presets;
}
