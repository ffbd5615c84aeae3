/**
 * The scheduler's ledger: what every live sandbox holds, in memory, so that choosing a machine
 * and reserving its room happen in one synchronous step. Two launches can never both take the
 * last GPU or the last gigabyte: JavaScript runs one of them to the end before the other starts.
 * Rebuilt from the database's live sandboxes at start-up; the database stays the record.
 */
import { placeIn, type Free, type Holding, type MachineCapacity, type Placement, type PlacementRequest, type Policy } from './place.js';

interface Used {
  sandboxes: number;
  cpus: number;
  memoryBytes: number;
  /** GPU id → how many sandboxes hold it (more than one only where sharing is allowed). */
  gpus: Map<string, number>;
}

export class Ledger {
  private readonly holdings = new Map<string, Holding>();
  /** Kept per machine as holdings come and go, so a decision costs one pass over the machines. */
  private readonly used = new Map<string, Used>();

  constructor(
    private readonly machines: () => readonly MachineCapacity[],
    private readonly policy: Policy,
  ) {}

  /** Places the request and, if it fits, holds its room under `id` at once. */
  reserve(id: string, request: PlacementRequest): Placement {
    const machines = this.machines();
    const placement = placeIn(this.room(machines), machines, request, this.policy);
    if (placement.ok) {
      this.hold(id, { machine: placement.machine, cpus: request.cpus, memoryBytes: request.memoryBytes, gpus: placement.gpus });
    }
    return placement;
  }

  /** Records what a sandbox already holds (adopted at start-up). */
  hold(id: string, holding: Holding): void {
    this.release(id);
    this.holdings.set(id, holding);
    const used = this.usedEntry(holding.machine);
    used.sandboxes += 1;
    used.cpus += holding.cpus;
    used.memoryBytes += holding.memoryBytes;
    for (const g of holding.gpus) used.gpus.set(g, (used.gpus.get(g) ?? 0) + 1);
  }

  release(id: string): void {
    const holding = this.holdings.get(id);
    if (!holding) return;
    this.holdings.delete(id);
    const used = this.usedEntry(holding.machine);
    used.sandboxes -= 1;
    used.cpus -= holding.cpus;
    used.memoryBytes -= holding.memoryBytes;
    for (const g of holding.gpus) {
      const n = (used.gpus.get(g) ?? 1) - 1;
      if (n > 0) used.gpus.set(g, n);
      else used.gpus.delete(g);
    }
  }

  /** What is left on each machine that is up, as the next launch would see it. */
  room(machines: readonly MachineCapacity[] = this.machines()): Free[] {
    const room: Free[] = [];
    for (const m of machines) {
      if (!m.up) continue;
      const used = this.used.get(m.name);
      if (!used) {
        room.push({ machine: m.name, cpus: m.cpus, memoryBytes: m.memoryBytes, gpus: m.gpus as string[], sandboxes: m.sandboxes ?? Infinity });
        continue;
      }
      room.push({
        machine: m.name,
        cpus: m.cpus - used.cpus,
        memoryBytes: m.memoryBytes - used.memoryBytes,
        gpus: used.gpus.size === 0 ? (m.gpus as string[]) : m.shareGpus ? leastHeldFirst(m.gpus, used.gpus) : m.gpus.filter((g) => !used.gpus.has(g)),
        sandboxes: (m.sandboxes ?? Infinity) - used.sandboxes,
      });
    }
    return room;
  }

  private usedEntry(machine: string): Used {
    let used = this.used.get(machine);
    if (!used) {
      used = { sandboxes: 0, cpus: 0, memoryBytes: 0, gpus: new Map() };
      this.used.set(machine, used);
    }
    return used;
  }

  held(): Holding[] {
    return [...this.holdings.values()];
  }

  heldIds(): string[] {
    return [...this.holdings.keys()];
  }

  /** The ids of what is held on one machine. */
  heldOn(machine: string): string[] {
    return [...this.holdings].filter(([, h]) => h.machine === machine).map(([id]) => id);
  }

  /** What live and launching sandboxes hold on a machine. */
  usedOn(machine: string): { sandboxes: number; cpus: number; memoryBytes: number; gpus: number } {
    const used = this.used.get(machine);
    return used
      ? { sandboxes: used.sandboxes, cpus: used.cpus, memoryBytes: used.memoryBytes, gpus: used.gpus.size }
      : { sandboxes: 0, cpus: 0, memoryBytes: 0, gpus: 0 };
  }
}

/** Shared GPUs in the order a new sandbox should get them: the least held first, then by index. */
function leastHeldFirst(gpus: readonly string[], holders: ReadonlyMap<string, number>): string[] {
  return gpus
    .map((g, i) => ({ g, i, n: holders.get(g) ?? 0 }))
    .sort((a, b) => a.n - b.n || a.i - b.i)
    .map((x) => x.g);
}
