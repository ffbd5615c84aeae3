/** Many machines, GPUs and sandboxes for the render benchmark and the "many machines" test. */
import type { Machine, MachineSample } from '../api/types';
import { MOCK_NOW } from './mocks';

const GiB = 1024 ** 3;
const POLL_MS = 5_000;
const SAMPLE_MS = 15_000;
/** An hour of samples, as the hub keeps. */
const HISTORY_POINTS = 240;
const RESERVED_CPUS = 2;
const RESERVED_BYTES = 16 * GiB;

export interface FleetSize {
  machines: number;
  gpusPerMachine: number;
  sandboxes: number;
}

/** A deterministic 0–1 figure that wanders with `step`, differently for each `seed`. */
const wander = (seed: number, step: number) => (Math.sin(seed * 1.7 + step / 11) + Math.sin(seed * 0.3 + step / 5) * 0.5 + 1.5) / 3;

function history(m: number, gpus: number, newest: number, until: number): MachineSample[] {
  return Array.from({ length: HISTORY_POINTS }, (_, i) => {
    const step = newest - (HISTORY_POINTS - 1 - i);
    return {
      at: new Date(until - (HISTORY_POINTS - 1 - i) * SAMPLE_MS).toISOString(),
      cpuPercent: Math.round(wander(m, step) * 1000) / 10,
      memoryUsedBytes: Math.round(wander(m + 50, step) * 0.9 * 512 * GiB),
      gpuUtilizationPercent: gpus > 0 ? Math.round(wander(m + 100, step) * 1000) / 10 : null,
      gpuMemoryUsedBytes: gpus > 0 ? Math.round(wander(m + 150, step) * gpus * 80 * GiB) : null,
    };
  });
}

const machineName = (m: number) => `gpu-${String(m + 1).padStart(3, '0')}`;
/** Every 25th machine does not answer. */
const isDown = (m: number) => m % 25 === 24;

/**
 * A fleet of the given size with varied, deterministic use (the same numbers every run); `tick`
 * shifts the use figures as a poll a few seconds later would. Its samples are generateHistories'.
 */
export function generateMachines({ machines, gpusPerMachine, sandboxes }: FleetSize, tick = 0): Machine[] {
  const now = MOCK_NOW + tick * POLL_MS;
  const result: Machine[] = [];
  for (let m = 0; m < machines; m++) {
    const name = machineName(m);
    const down = isDown(m);
    result.push({
      name,
      status: down ? 'down' : 'up',
      lastSeenAt: new Date(MOCK_NOW - (down ? 600_000 : 5_000)).toISOString(),
      error: down ? 'connect ECONNREFUSED' : null,
      engine: down ? null : { version: '26.1.5', os: 'Debian GNU/Linux 12 (bookworm)' },
      cpus: 64,
      memoryBytes: 512 * GiB,
      capacity: { cpus: 64 - RESERVED_CPUS, memoryBytes: 512 * GiB - RESERVED_BYTES, gpus: gpusPerMachine },
      allocated: { cpus: 0, memoryBytes: 0, gpus: 0 },
      free: { cpus: 0, memoryBytes: 0, gpus: 0 },
      gpuMode: gpusPerMachine > 0 ? 'deviceRequests' : null,
      usageError: null,
      gpuError: null,
      images: down ? null : { at: new Date(now - 20_000).toISOString(), images: [{ name: 'notebook', createdAt: new Date(MOCK_NOW - 12 * 86_400_000).toISOString(), sizeBytes: 1_650_000_000 }] },
      homes: null,
      usage: down
        ? null
        : {
            cpuPercent: (m * 37 + tick * 11) % 100,
            memoryUsedBytes: (((m * 53 + tick * 7) % 90) / 100) * 512 * GiB,
            diskUsedBytes: (((m * 29) % 80) / 100) * 4096 * GiB,
            diskTotalBytes: 4096 * GiB,
            networkReceiveBytesPerSecond: ((m * 131 + tick * 17) % 1000) * 1024 ** 2 / 10,
            networkTransmitBytesPerSecond: ((m * 71 + tick * 13) % 1000) * 1024 ** 2 / 40,
            temperaturesC: [
              { sensor: 'Package id 0', celsius: 40 + ((m + tick) % 40) },
              { sensor: 'Package id 1', celsius: 42 + ((m * 3 + tick) % 40) },
            ],
            source: m % 2 === 0 ? 'host' : 'prometheus',
            at: new Date(now).toISOString(),
          },
      gpus: Array.from({ length: gpusPerMachine }, (_, g) => ({
        index: g,
        uuid: `GPU-${m}-${g}`,
        name: 'NVIDIA H100 80GB HBM3',
        memoryTotalBytes: 80 * GiB,
        memoryUsedBytes: (((m + g * 13 + tick * 3) % 100) / 100) * 80 * GiB,
        utilizationPercent: (m * 7 + g * 19 + tick * 5) % 100,
        temperatureC: 30 + ((m + g + tick) % 50),
        powerDrawW: 100 + ((m + g) % 300),
        holders: [],
      })),
      gpusAt: down ? null : new Date(now).toISOString(),
      sandboxes: [],
    });
  }
  const up = result.filter((m) => m.status === 'up');
  for (let s = 0; s < sandboxes && up.length > 0; s++) {
    const machine = up[s % up.length]!;
    const id = `sbx_${s}`;
    const user = `user${s % 60}`;
    const name = `box-${s}`;
    const gpu = machine.gpus.find((g) => g.holders.length === 0);
    gpu?.holders.push({ sandboxId: id, user, name });
    machine.sandboxes.push({
      id,
      user,
      name,
      state: 'running',
      cpus: 2,
      cpuRequest: 2,
      memoryGiB: 8,
      gpus: gpu ? [gpu.uuid] : [],
      since: new Date(MOCK_NOW - (s + 1) * 97_000).toISOString(),
      cpuPercent: s % 7 === 0 ? null : (s * 37 + tick * 23) % 200,
      memoryUsedBytes: s % 7 === 0 ? null : (((s * 13 + tick * 5) % 80) / 10) * GiB,
    });
    machine.allocated.cpus += 2;
    machine.allocated.memoryBytes += 8 * GiB;
    if (gpu) machine.allocated.gpus += 1;
  }
  for (const machine of up) {
    machine.free = {
      cpus: Math.max(0, machine.capacity.cpus - machine.allocated.cpus),
      memoryBytes: Math.max(0, machine.capacity.memoryBytes - machine.allocated.memoryBytes),
      gpus: machine.capacity.gpus - machine.allocated.gpus,
    };
  }
  return result;
}

/**
 * The samples of generateMachines' fleet at `tick`, by machine name, as the dashboard keeps them:
 * an hour each. The hub adds a sample every 15 s, so they change only every third tick.
 */
export function generateHistories({ machines, gpusPerMachine }: Pick<FleetSize, 'machines' | 'gpusPerMachine'>, tick = 0): Map<string, MachineSample[]> {
  const newestSample = Math.floor((tick * POLL_MS) / SAMPLE_MS);
  const result = new Map<string, MachineSample[]>();
  for (let m = 0; m < machines; m++) {
    // A down machine's history stops when it did.
    const down = isDown(m);
    result.set(machineName(m), history(m, gpusPerMachine, down ? -40 : newestSample, down ? MOCK_NOW - 600_000 : MOCK_NOW + newestSample * SAMPLE_MS));
  }
  return result;
}
