/**
 * Where a machine's GPU list comes from, and reading it. In order of preference: nvidia-smi on the hub's own
 * machine, nvidia-smi in a throwaway container where the engine has the NVIDIA runtime, the DCGM
 * exporter's series in Prometheus, then the list an admin wrote in the config. A machine's
 * `gpus.source` may name one of them instead of `auto`.
 */
import type { MachineEntry } from '../../config/schema.js';
import type { Machine } from '../registry.js';
import { hostOf } from '../sources/prometheus.js';
import { readLocalGpus } from './local-gpus.js';
import { NVIDIA_SMI_ARGS, parseNvidiaSmi, type GpuReading } from './nvidia-smi.js';

export type GpuSource = 'nvidia-smi' | 'nvidia-smi-container' | 'prometheus' | 'static';

const GiB = 1024 ** 3;
/** nvidia-smi in a container costs a container start: read remote GPUs less often than health. */
const CONTAINER_READ_EVERY_MS = 60_000;

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

export interface GpuInventoryOptions {
  /** The nvidia-smi to run for the hub's own machine. */
  nvidiaSmi?: string;
  /** DCGM exporter series by their Hostname label, when a Prometheus server is configured. */
  prometheus?: { readGpus(hostname: string): Promise<GpuReading[]> } | null;
  /** How long a list read through a container is good for (default a minute). */
  containerReadEveryMs?: number;
}

type GpuFields = Pick<Machine, 'name' | 'entry' | 'local' | 'info' | 'jobs' | 'gpus' | 'gpusAt' | 'gpuSource' | 'gpuError'>;

/** Reads each machine's GPUs from the best source it has, at a health check. */
export class GpuInventory {
  private readonly containerReadAt = new Map<string, number>();

  constructor(private readonly options: GpuInventoryOptions) {}

  /** Updates the machine's GPU list; a failed reading keeps the last good list and says why. */
  async refresh(machine: GpuFields): Promise<void> {
    const sources = gpuSources(machine.entry, {
      local: machine.local,
      nvidiaRuntime: machine.info?.runtimes.includes('nvidia') ?? false,
      prometheus: Boolean(this.options.prometheus && machine.entry.prometheus),
    });
    const errors: string[] = [];
    for (const source of sources) {
      try {
        const gpus = await this.readFrom(machine, source);
        if (gpus === null) return; // not due yet: keep the last reading
        if (gpus.length === 0 && source !== sources[sources.length - 1]) continue;
        machine.gpus = gpus;
        machine.gpusAt = new Date().toISOString();
        machine.gpuSource = source;
        machine.gpuError = null;
        return;
      } catch (err) {
        errors.push(`${source}: ${(err as Error).message}`);
      }
    }
    // A GPU does not vanish because one reading failed.
    machine.gpuError = errors.length > 0 ? errors.join('; ') : null;
  }

  /** The GPUs from one source; null when a costly source was read recently enough. */
  private async readFrom(machine: GpuFields, source: GpuSource): Promise<GpuReading[] | null> {
    switch (source) {
      case 'static':
        return staticGpus(machine.entry);
      case 'nvidia-smi':
        return readLocalGpus(this.options.nvidiaSmi);
      case 'prometheus': {
        const settings = machine.entry.prometheus!;
        return this.options.prometheus!.readGpus(settings.gpuHostname ?? hostOf(settings.instance));
      }
      case 'nvidia-smi-container': {
        const last = this.containerReadAt.get(machine.name) ?? 0;
        if (Date.now() - last < (this.options.containerReadEveryMs ?? CONTAINER_READ_EVERY_MS) && machine.gpuSource === source) return null;
        this.containerReadAt.set(machine.name, Date.now());
        const result = await machine.jobs.run({
          name: 'gpu-inventory',
          command: ['nvidia-smi', ...NVIDIA_SMI_ARGS],
          allGpus: true,
          timeoutMs: 30_000,
        });
        if (result.exitCode !== 0) throw new Error(`nvidia-smi exited with ${result.exitCode}: ${result.output.trim().slice(0, 300)}`);
        return parseNvidiaSmi(result.output);
      }
    }
  }
}
