/**
 * Launch sizes a person picks from instead of typing numbers: the configured default, then
 * doublings of it, then the largest allowed, each within the limits from GET /api/me.
 */
import type { Me } from '../api/types';

export type PresetId = 'standard' | 'large' | 'xlarge' | 'max';

export interface SizePreset {
  id: PresetId;
  cpus: number;
  memoryGiB: number;
}

export function sizePresets(limits: Me['limits']): SizePreset[] {
  const { defaults, max } = limits;
  const clamp = (factor: number): Omit<SizePreset, 'id'> => ({
    cpus: Math.min(defaults.cpus * factor, max.cpus),
    memoryGiB: Math.min(defaults.memoryGiB * factor, max.memoryGiB),
  });
  const candidates: SizePreset[] = [
    { id: 'standard', ...clamp(1) },
    { id: 'large', ...clamp(2) },
    { id: 'xlarge', ...clamp(4) },
    { id: 'max', cpus: max.cpus, memoryGiB: max.memoryGiB },
  ];
  const presets: SizePreset[] = [];
  for (const candidate of candidates) {
    const previous = presets.at(-1);
    if (previous && candidate.cpus <= previous.cpus && candidate.memoryGiB <= previous.memoryGiB) continue;
    presets.push(candidate);
  }
  return presets;
}
