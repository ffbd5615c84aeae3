/**
 * `shiva machines`: each machine with what its sandboxes were given against what they may have,
 * and under a machine with GPUs one line per GPU with its use and who holds it.
 */
import type { Command } from 'commander';
import type { HomesStorage, Machine, Storage } from '../contract/api.js';
import { HubClient, loadCredentials } from './client.js';
import { ago, alignColumns, printJson } from './output.js';

const GiB = 1024 ** 3;

/** At most two decimals, none when whole: 0.5, 2, 30. */
const figure = (n: number) => String(Math.round(n * 100) / 100);
/**
 * GiB to one decimal, rounded down, as the dashboard's Machines page shows them: a capacity or a
 * free figure is never shown larger than it is (23.54 GiB reads 23.5, 23.56 too).
 * The 1e-9 keeps a whole tenth (4 GiB is 4.000…) from falling to the tenth below by float error.
 */
const gib = (bytes: number) => String(Math.floor((bytes / GiB) * 10 + 1e-9) / 10);

function status(machine: Machine, now: number): string {
  // Answers, but does not see the shared homes: no launches go there (the reason is on GET /api/machines).
  if (machine.status === 'up') return machine.homes?.ready === false ? 'not ready (homes)' : 'up';
  return machine.lastSeenAt ? `down since ${ago(machine.lastSeenAt, now)}` : 'down';
}

function gpuRow(gpu: Machine['gpus'][number]): string[] {
  return [
    `GPU ${gpu.index}`,
    gpu.name,
    gpu.utilizationPercent === null ? '-' : `${Math.round(gpu.utilizationPercent)}%`,
    `${gpu.memoryUsedBytes === null ? '-' : gib(gpu.memoryUsedBytes)}/${gib(gpu.memoryTotalBytes)}G`,
    gpu.holders.length === 0 ? 'free' : gpu.holders.map((h) => `${h.user}/${h.name}`).join(', '),
  ];
}

/** The table's lines: a header, then each machine followed by its GPUs, indented. */
export function machineLines(machines: readonly Machine[], now = Date.now()): string[] {
  // CPUs are requests (what the scheduler reserves), not limits: a 2-CPU sandbox may hold 0.5.
  const header = ['NAME', 'STATUS', 'CPUS RESERVED', 'MEMORY', 'GPUS', 'SANDBOXES'];
  const rows = machines.map((m) => [
    m.name,
    status(m, now),
    `${figure(m.allocated.cpus)}/${figure(m.capacity.cpus)}`,
    `${gib(m.allocated.memoryBytes)}/${gib(m.capacity.memoryBytes)}G`,
    `${m.gpus.filter((g) => g.holders.length > 0).length}/${m.gpus.length}`,
    String(m.sandboxes.length),
  ]);
  const [headerLine, ...machineRows] = alignColumns([header, ...rows]);
  // GPU lines are aligned among themselves, across machines, so they read as one column set.
  const gpuLines = alignColumns(machines.flatMap((m) => m.gpus.map(gpuRow)));
  const lines = [headerLine!];
  let next = 0;
  machines.forEach((m, i) => {
    lines.push(machineRows[i]!);
    for (let g = 0; g < m.gpus.length; g++) lines.push(`  ${gpuLines[next++]}`);
  });
  return lines;
}

/**
 * The homes filesystem in one line under the table: free of total, and why launches are refused
 * or why the figures are unknown (the reason is given to admins only).
 */
export function homesLine(homes: HomesStorage): string {
  if (homes.freeBytes === null || homes.sizeBytes === null) {
    return `Homes filesystem: free space unknown${homes.problem ? ` (${homes.problem})` : ''}`;
  }
  const share = homes.sizeBytes > 0 ? Math.floor((homes.freeBytes / homes.sizeBytes) * 100) : 100;
  const refused = homes.full ? `; below ${homes.minFreePercent}%, launches are refused (STORAGE_FULL)` : '';
  return `Homes filesystem: ${bytes(homes.freeBytes)} free of ${bytes(homes.sizeBytes)} (${share}% free)${refused}`;
}

/** GiB rounded down to a tenth; whole MiB below 1 GiB, where a tenth of a GiB says nothing. */
const bytes = (n: number) => (n > 0 && n < GiB ? `${Math.floor(n / 1024 ** 2)}M` : `${gib(n)}G`);

export function registerMachines(program: Command): void {
  program
    .command('machines')
    .description('list the machines: up or down, CPUs, memory and GPUs given to sandboxes, and who holds each GPU')
    .option('--url <url>', 'the hub (or SHIVA_URL)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const hub = new HubClient(await loadCredentials(opts));
      const machines = await hub.request<Machine[]>('GET', '/api/machines');
      if (opts.json) return printJson(machines);
      if (machines.length === 0) return void process.stdout.write('No machines are configured.\n');
      for (const line of machineLines(machines)) process.stdout.write(`${line}\n`);
      const storage = await hub.request<Storage>('GET', '/api/storage');
      process.stdout.write(`\n${homesLine(storage.homes)}\n`);
    });
}
