/**
 * The machines a hub runs sandboxes on, each with its runtime, and what was last heard of each.
 */
import type { MachineEntry } from '../config/schema.js';
import type { EngineInfo, Runtime } from '../runtime/types.js';
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
}

export class MachineRegistry {
  private readonly machines = new Map<string, Machine>();

  constructor(entries: readonly MachineEntry[], makeRuntime: (entry: MachineEntry) => Runtime, diskPath = '/') {
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
        } catch (err) {
          machine.status = 'down';
          machine.error = (err as Error).message;
        }
      }),
    );
  }
}
