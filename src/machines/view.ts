/**
 * A machine as GET /api/machines shows it: facts, capacity, what is held (the scheduler's own
 * figures) and free, GPUs with their holders, and who is on it; its samples over time are
 * GET /api/machines/history's (history-page.ts). Every signed-in member sees who
 * is on which machine: the dashboard is where a team finds out who holds the GPUs.
 */
import type { Machine as MachineView, MachineGpu, MachineImages } from '../contract/api.js';
import type { Free, MachineCapacity } from '../scheduler/place.js';
import type { SandboxRow } from '../store/sandboxes.js';
import type { Machine } from './registry.js';

const GiB = 1024 ** 3;

/** A catalogue image by its name and the reference machines hold it under. */
export interface CatalogueRef {
  name: string;
  image: string;
}

export interface SandboxFigures {
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
}

export function toMachineView(
  machine: Machine,
  capacity: MachineCapacity,
  room: Free | undefined,
  used: { cpus: number; memoryBytes: number; gpus: number },
  live: readonly SandboxRow[],
  figures: (sandboxId: string) => SandboxFigures | undefined = () => undefined,
  catalogue: readonly CatalogueRef[] = [],
): MachineView {
  const here = live.filter((s) => s.machine === machine.name).map((row) => ({ row, gpus: JSON.parse(row.gpus) as string[] }));
  const holders = (uuid: string): MachineGpu['holders'] =>
    here.filter((h) => h.gpus.includes(uuid)).map((h) => ({ sandboxId: h.row.id, user: h.row.username, name: h.row.name }));
  const gpus = machine.gpus.map((g) => ({ ...g, holders: holders(g.uuid) }));
  // A machine at its most sandboxes has no room, whatever CPUs and memory are left.
  const open = capacity.up && room !== undefined && room.sandboxes >= 1;
  return {
    name: machine.name,
    status: machine.status,
    lastSeenAt: machine.lastSeenAt,
    error: machine.error,
    engine: machine.info ? { version: machine.info.version, os: machine.info.operatingSystem } : null,
    cpus: machine.info?.cpus ?? 0,
    memoryBytes: machine.info?.memoryBytes ?? 0,
    capacity: { cpus: capacity.cpus, memoryBytes: capacity.memoryBytes, gpus: capacity.gpus.length },
    allocated: { cpus: round(used.cpus), memoryBytes: used.memoryBytes, gpus: used.gpus },
    free: {
      cpus: open ? round(Math.max(0, room.cpus)) : 0,
      memoryBytes: open ? Math.max(0, room.memoryBytes) : 0,
      gpus: open ? room.gpus.length : 0,
    },
    gpuError: machine.gpuError,
    usageError: machine.usageError,
    gpuMode: machine.gpus.length > 0 ? machine.entry.gpus.mode : null,
    usage: machine.usage,
    gpus,
    gpusAt: machine.gpusAt,
    homes: machine.homes ? { ...machine.homes } : null,
    images: imagesView(machine, catalogue),
    sandboxes: here.map(({ row, gpus: ids }) => {
      const measured = figures(row.id);
      return {
        id: row.id,
        user: row.username,
        name: row.name,
        state: row.state,
        cpus: row.cpus,
        cpuRequest: row.cpu_request,
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

/** The catalogue images the machine held at its last listing, in catalogue order. */
function imagesView(machine: Machine, catalogue: readonly CatalogueRef[]): MachineImages | null {
  const listed = machine.images;
  if (!listed) return null;
  const images: MachineImages['images'] = [];
  for (const { name, image } of catalogue) {
    const held = listed.present.get(image);
    if (held) images.push({ name, createdAt: held.createdAt, sizeBytes: held.sizeBytes, id: held.id });
  }
  return { at: listed.at, images };
}

/**
 * The view for someone who is not an admin: why a machine, its GPUs or its usage could not be
 * read, in plain words, without the engine's, ssh's or TLS's own (which can name hosts, keys
 * and paths). Admins, who run the machines, see those words; so does the hub's log.
 */
export function withoutEngineText(view: MachineView): MachineView {
  return {
    ...view,
    error: view.error === null ? null : view.status === 'down' ? "The machine's container engine does not answer." : "The machine's container engine answers slowly or with errors.",
    gpuError: view.gpuError === null ? null : "The machine's GPUs could not be read; the list shown is the last good one.",
    usageError: view.usageError === null ? null : "The machine's usage could not be read.",
    // The admin's reason names paths and engine words; a member needs only to know why no launch goes there.
    homes: view.homes && !view.homes.ready ? { ...view.homes, reason: 'This machine does not see the shared home folders; an admin must mount them there.' } : view.homes,
    // Which catalogue images it has, how old and how large: nothing of the engine's own.
    images: view.images && { at: view.images.at, images: view.images.images.map(({ id: _engineId, ...image }) => image) },
  };
}

