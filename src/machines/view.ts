/** A machine as GET /api/machines shows it: facts, capacity, what is held and free, GPUs with their holders. */
import type { Machine as MachineView, MachineGpu } from '../contract/api.js';
import type { Free, MachineCapacity } from '../scheduler/place.js';
import type { SandboxRow } from '../store/sandboxes.js';
import type { Machine } from './registry.js';

const GiB = 1024 ** 3;

export interface SandboxFigures {
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
}

export function toMachineView(
  machine: Machine,
  capacity: MachineCapacity,
  room: Free | undefined,
  live: readonly SandboxRow[],
  figures: (sandboxId: string) => SandboxFigures | undefined = () => undefined,
): MachineView {
  const here = live.filter((s) => s.machine === machine.name).map((row) => ({ row, gpus: JSON.parse(row.gpus) as string[] }));
  const holders = (uuid: string): MachineGpu['holders'] =>
    here.filter((h) => h.gpus.includes(uuid)).map((h) => ({ sandboxId: h.row.id, user: h.row.username, name: h.row.name }));
  const gpus = machine.gpus.map((g) => ({ ...g, holders: holders(g.uuid) }));
  const up = capacity.up && room !== undefined;
  return {
    name: machine.name,
    status: machine.status,
    lastSeenAt: machine.lastSeenAt,
    error: machine.error,
    engine: machine.info ? { version: machine.info.version, os: machine.info.operatingSystem } : null,
    cpus: machine.info?.cpus ?? 0,
    memoryBytes: machine.info?.memoryBytes ?? 0,
    capacity: { cpus: capacity.cpus, memoryBytes: capacity.memoryBytes, gpus: capacity.gpus.length },
    allocated: {
      cpus: round(here.reduce((sum, h) => sum + h.row.cpus, 0)),
      memoryBytes: here.reduce((sum, h) => sum + h.row.memory_bytes, 0),
      gpus: gpus.filter((g) => g.holders.length > 0).length,
    },
    free: {
      cpus: up ? round(Math.max(0, room.cpus)) : 0,
      memoryBytes: up ? Math.max(0, room.memoryBytes) : 0,
      gpus: up && room.sandboxes >= 1 ? room.gpus.length : 0,
    },
    gpuMode: machine.gpus.length > 0 ? machine.entry.gpus.mode : null,
    usage: machine.usage,
    gpus,
    gpusAt: machine.gpusAt,
    history: machine.history.list(),
    sandboxes: here.map(({ row, gpus: ids }) => {
      const measured = figures(row.id);
      return {
        id: row.id,
        user: row.username,
        name: row.name,
        state: row.state,
        cpus: row.cpus,
        memoryGiB: row.memory_bytes / GiB,
        gpus: ids,
        since: row.started_at ?? row.created_at,
        cpuPercent: measured?.cpuPercent ?? null,
        memoryUsedBytes: measured?.memoryUsedBytes ?? null,
      };
    }),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
