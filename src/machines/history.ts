/**
 * A machine's recent usage, one sample per health check, kept in memory for the dashboard's
 * small charts. A fixed ring: the oldest sample goes when a new one comes, so memory stays flat
 * however long the hub runs. Nothing here is worth a database: after a restart the charts refill.
 */
import type { MachineSample } from '../contract/api.js';
import type { GpuReading } from './gpu/nvidia-smi.js';
import type { HostUsage } from './host-usage.js';

export class MachineHistory {
  private readonly samples: MachineSample[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  add(sample: MachineSample): void {
    if (this.samples.length < this.capacity) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  list(): MachineSample[] {
    if (this.samples.length < this.capacity) return [...this.samples];
    return [...this.samples.slice(this.next), ...this.samples.slice(0, this.next)];
  }
}

/** One sample from what a check read; GPU figures are the mean utilisation and the memory in use. */
export function sampleOf(at: string, usage: Pick<HostUsage, 'cpuPercent' | 'memoryUsedBytes'> | null, gpus: readonly GpuReading[]): MachineSample {
  const utilisations = gpus.map((g) => g.utilizationPercent).filter((u): u is number => u !== null);
  const memories = gpus.map((g) => g.memoryUsedBytes).filter((m): m is number => m !== null);
  return {
    at,
    cpuPercent: usage?.cpuPercent ?? null,
    memoryUsedBytes: usage?.memoryUsedBytes ?? null,
    gpuUtilizationPercent: utilisations.length > 0 ? Math.round((utilisations.reduce((a, b) => a + b, 0) / utilisations.length) * 10) / 10 : null,
    gpuMemoryUsedBytes: memories.length > 0 ? memories.reduce((a, b) => a + b, 0) : null,
  };
}
