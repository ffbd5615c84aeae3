import { describe, expect, it } from 'vitest';
import type { Machine } from '../contract/api.js';
import { homesLine, machineLines } from './machines.js';

const GiB = 1024 ** 3;
const NOW = Date.parse('2026-03-02T10:00:00Z');
const NOW_ISO = new Date(NOW).toISOString();
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();

const gpu = (index: number, holders: Machine['gpus'][number]['holders'], utilizationPercent: number | null): Machine['gpus'][number] => ({
  index,
  uuid: `GPU-${index}`,
  name: 'NVIDIA A100 80GB PCIe',
  memoryTotalBytes: 80 * GiB,
  memoryUsedBytes: utilizationPercent === null ? null : 31.5 * GiB,
  utilizationPercent,
  temperatureC: 64,
  powerDrawW: 250,
  holders,
});

const machine = (name: string, overrides: Partial<Machine> = {}): Machine => ({
  name,
  status: 'up',
  lastSeenAt: ago(0),
  error: null,
  engine: { version: '26.1.5', os: 'Debian GNU/Linux 12 (bookworm)' },
  cpus: 32,
  memoryBytes: 256 * GiB,
  capacity: { cpus: 30, memoryBytes: 248 * GiB, gpus: 0 },
  allocated: { cpus: 6.5, memoryBytes: 24 * GiB, gpus: 0 },
  free: { cpus: 23.5, memoryBytes: 224 * GiB, gpus: 0 },
  gpuMode: null,
  usageError: null,
  gpuError: null,
  homes: null,
  usage: null,
  gpus: [],
  gpusAt: null,
  images: null,
  sandboxes: [],
  ...overrides,
});

const sandbox = (user: string, name: string): Machine['sandboxes'][number] => ({
  id: `sbx_${user}_${name}`,
  user,
  name,
  state: 'running',
  cpus: 2,
  cpuRequest: 0.5,
  memoryGiB: 8,
  gpus: [],
  since: ago(30),
  cpuPercent: null,
  memoryUsedBytes: null,
});

const fleet: Machine[] = [
  machine('gpu-1', {
    capacity: { cpus: 30, memoryBytes: 248 * GiB, gpus: 2 },
    allocated: { cpus: 6.5, memoryBytes: 24 * GiB, gpus: 1 },
    gpus: [
      gpu(0, [
        { sandboxId: 'sbx_a', user: 'alice', name: 'main' },
        { sandboxId: 'sbx_c', user: 'carol', name: 'eval' },
      ], 87.4),
      gpu(1, [], null),
    ],
    sandboxes: [sandbox('alice', 'main'), sandbox('carol', 'eval')],
  }),
  machine('cpu-1', { status: 'down', lastSeenAt: ago(12), error: 'connect ECONNREFUSED', engine: null, sandboxes: [{ ...sandbox('dave', 'etl'), state: 'unknown' }] }),
];

describe('shiva machines', () => {
  it('prints each machine with its allocation against capacity, and one line per GPU with its holders', () => {
    expect(machineLines(fleet, NOW)).toEqual([
      'NAME   STATUS              CPUS RESERVED  MEMORY   GPUS  SANDBOXES',
      'gpu-1  up                  6.5/30         24/248G  1/2   2',
      '  GPU 0  NVIDIA A100 80GB PCIe  87%  31.5/80G  alice/main, carol/eval',
      '  GPU 1  NVIDIA A100 80GB PCIe  -    -/80G     free',
      'cpu-1  down since 12m ago  6.5/30         24/248G  0/0   1',
    ]);
  });

  it('says a machine that answers but does not see the shared homes is not ready', () => {
    const homes = { ready: false, reason: 'homes.root lacks the marker', checkedAt: ago(1) };
    expect(machineLines([machine('m', { homes })], NOW)[1]).toMatch(/^m +not ready \(homes\) +6\.5\/30/);
  });

  it('rounds memory down to a tenth of a GiB, so a capacity never reads larger than it is', () => {
    // 25276026880 bytes is 23.54 GiB; 23.56 GiB must not read 23.6.
    const lines = machineLines([machine('m', { capacity: { cpus: 2, memoryBytes: 23.56 * GiB, gpus: 0 }, allocated: { cpus: 0.25, memoryBytes: 4 * GiB, gpus: 0 } })], NOW);
    expect(lines[1]).toContain('4/23.5G');
    expect(machineLines([machine('m', { capacity: { cpus: 2, memoryBytes: 25276026880, gpus: 0 } })], NOW)[1]).toContain('/23.5G');
  });

  it('says the homes filesystem\'s free space under the table, and when launches are refused for it', () => {
    const homes = { freeBytes: 412.36 * GiB, sizeBytes: 1000 * GiB, minFreePercent: 5, full: false, readAt: NOW_ISO };
    expect(homesLine(homes)).toBe('Homes filesystem: 412.3G free of 1000G (41% free)');
    expect(homesLine({ ...homes, freeBytes: 20 * 1024 ** 2, sizeBytes: 64 * 1024 ** 2, full: true })).toBe(
      'Homes filesystem: 20M free of 64M (31% free); below 5%, launches are refused (STORAGE_FULL)',
    );
    expect(homesLine({ ...homes, freeBytes: null, sizeBytes: null })).toBe('Homes filesystem: free space unknown');
    expect(homesLine({ ...homes, freeBytes: null, sizeBytes: null, root: '/mnt/homes', problem: 'statfs /mnt/homes: ENOENT' })).toBe(
      'Homes filesystem: free space unknown (statfs /mnt/homes: ENOENT)',
    );
  });
});
