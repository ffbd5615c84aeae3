/**
 * The machines a hub runs sandboxes on, each with its runtime, and what was last heard of each.
 */
import type { MachineEntry } from '../config/schema.js';
import type { EngineInfo, Runtime } from '../runtime/types.js';
import { readLocalGpus } from './gpu/local-gpus.js';
import type { GpuReading } from './gpu/nvidia-smi.js';
import { HostUsageReader, type HostUsage } from './host-usage.js';

export interface Machine {
  name: string;
  /** The address sandbox ports on this machine are published on and reached at. */
  address: string;
  runtime: Runtime;
  status: 'up' | 'down';
  info: EngineInfo | null;
  lastSeenAt: string | null;
  error: string | null;
  /** What the machine uses, where the hub can read it (its own machine); else null. */
  usage: HostUsage | null;
  /** Reads usage; set for an engine on the hub's own host (a unix socket). */
  usageReader: HostUsageReader | null;
  /** The GPUs last read (the hub's own machine, from nvidia-smi); empty when it has none. */
  gpus: GpuReading[];
  /** Why the GPUs could not be read, if they could not. */
  gpuError: string | null;
}

export class MachineRegistry {
  private readonly machines = new Map<string, Machine>();

  constructor(
    entries: readonly MachineEntry[],
    makeRuntime: (entry: MachineEntry) => Runtime,
    diskPath = '/',
    private readonly nvidiaSmi = 'nvidia-smi',
  ) {
    for (const entry of entries) {
      this.machines.set(entry.name, {
        name: entry.name,
        address: entry.address,
        runtime: makeRuntime(entry),
        status: 'down',
        info: null,
        lastSeenAt: null,
        error: 'not checked yet',
        usage: null,
        usageReader: entry.docker.startsWith('unix://') ? new HostUsageReader(diskPath) : null,
        gpus: [],
        gpuError: null,
      });
    }
  }

  get(name: string): Machine | undefined {
    return this.machines.get(name);
  }

  list(): Machine[] {
    return [...this.machines.values()];
  }

  /** Asks every engine for its facts; a machine that does not answer is marked down with the reason. */
  async refresh(): Promise<void> {
    await Promise.all(
      this.list().map(async (machine) => {
        try {
          machine.info = await machine.runtime.info();
          machine.status = 'up';
          machine.lastSeenAt = new Date().toISOString();
          machine.error = null;
          machine.usage = machine.usageReader ? await machine.usageReader.read().catch(() => null) : null;
          if (machine.usageReader) {
            try {
              machine.gpus = await readLocalGpus(this.nvidiaSmi);
              machine.gpuError = null;
            } catch (err) {
              // Keep the last good list: a GPU does not vanish because one reading failed.
              machine.gpuError = (err as Error).message;
            }
          }
        } catch (err) {
          machine.status = 'down';
          machine.error = (err as Error).message;
        }
      }),
    );
  }
}
