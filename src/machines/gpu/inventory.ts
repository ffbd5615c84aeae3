/**
 * Where a machine's GPU list comes from. In order of preference: nvidia-smi on the hub's own
 * machine, nvidia-smi in a throwaway container where the engine has the NVIDIA runtime, the DCGM
 * exporter's series in Prometheus, then the list an admin wrote in the config. A machine's
 * `gpus.source` may name one of them instead of `auto`.
 */
import type { MachineEntry } from '../../config/schema.js';
import type { GpuReading } from './nvidia-smi.js';

export type GpuSource = 'nvidia-smi' | 'nvidia-smi-container' | 'prometheus' | 'static';

const GiB = 1024 ** 3;

export interface MachineFacts {
  /** The engine is on the hub's own machine (reached through a unix socket). */
  local: boolean;
  /** The engine lists an `nvidia` runtime (the NVIDIA Container Toolkit is installed there). */
  nvidiaRuntime: boolean;
  /** A Prometheus server is configured and this machine has its prometheus settings. */
  prometheus: boolean;
}

/** The sources to try, best first; the first that lists any GPU wins. */
export function gpuSources(entry: MachineEntry, facts: MachineFacts): GpuSource[] {
  switch (entry.gpus.source) {
    case 'none':
      return [];
    case 'static':
      return ['static'];
    case 'prometheus':
      return ['prometheus'];
    case 'nvidia-smi':
      return [facts.local ? 'nvidia-smi' : 'nvidia-smi-container'];
    case 'auto': {
      const sources: GpuSource[] = [];
      if (facts.local) sources.push('nvidia-smi');
      else if (facts.nvidiaRuntime) sources.push('nvidia-smi-container');
      if (facts.prometheus) sources.push('prometheus');
      if (entry.gpus.static.length > 0) sources.push('static');
      return sources;
    }
  }
}

/** The config's static list as readings: known ids and sizes, no live figures. */
export function staticGpus(entry: MachineEntry): GpuReading[] {
  return entry.gpus.static
    .map((g) => ({
      index: g.index,
      uuid: g.uuid,
      name: g.name,
      memoryTotalBytes: Math.round(g.memoryGiB * GiB),
      memoryUsedBytes: null,
      utilizationPercent: null,
      temperatureC: null,
      powerDrawW: null,
    }))
    .sort((a, b) => a.index - b.index);
}
