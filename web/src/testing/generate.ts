/** Many machines, GPUs and sandboxes for the render benchmark and the "many machines" test. */
import type { Machine } from '../api/types';
import { MOCK_NOW } from './mocks';

const GiB = 1024 ** 3;

export interface FleetSize {
  machines: number;
  gpusPerMachine: number;
  sandboxes: number;
}

/**
 * A fleet of the given size with varied, deterministic use (the same numbers every run); `tick`
 * shifts the use figures as a poll a few seconds later would.
 */
export function generateMachines({ machines, gpusPerMachine, sandboxes }: FleetSize, tick = 0): Machine[] {
  const result: Machine[] = [];
  for (let m = 0; m < machines; m++) {
    const name = `gpu-${String(m + 1).padStart(3, '0')}`;
    const down = m % 25 === 24;
    result.push({
      name,
      status: down ? 'down' : 'up',
      lastSeenAt: new Date(MOCK_NOW - (down ? 600_000 : 5_000)).toISOString(),
      error: down ? 'connect ECONNREFUSED' : null,
      engine: down ? null : { version: '26.1.5', os: 'Debian GNU/Linux 12 (bookworm)' },
      cpus: 64,
      memoryBytes: 512 * GiB,
      allocated: { cpus: 0, memoryBytes: 0 },
      usage: down
        ? null
        : {
            cpuPercent: (m * 37 + tick * 11) % 100,
            memoryUsedBytes: (((m * 53 + tick * 7) % 90) / 100) * 512 * GiB,
            diskUsedBytes: (((m * 29) % 80) / 100) * 4096 * GiB,
            diskTotalBytes: 4096 * GiB,
            at: new Date(MOCK_NOW + tick * 5_000).toISOString(),
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
        sandboxId: null,
        user: null,
      })),
      sandboxes: [],
    });
  }
  const up = result.filter((m) => m.status === 'up');
  for (let s = 0; s < sandboxes && up.length > 0; s++) {
    const machine = up[s % up.length]!;
    const id = `sbx_${s}`;
    const user = `user${s % 60}`;
    machine.sandboxes.push({ id, user, name: `box-${s}`, cpus: 2, memoryGiB: 8, since: new Date(MOCK_NOW - (s + 1) * 97_000).toISOString() });
    machine.allocated.cpus += 2;
    machine.allocated.memoryBytes += 8 * GiB;
    const free = machine.gpus.find((g) => g.sandboxId === null);
    if (free) {
      free.sandboxId = id;
      free.user = user;
    }
  }
  return result;
}
