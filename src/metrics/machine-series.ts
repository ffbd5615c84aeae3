/**
 * Series of machines and their GPUs, made on scrape from what the machine registry last heard
 * and what live sandboxes hold. GPU series carry machine, gpu (the index on its machine) and
 * uuid (the id sandboxes are given it by), so they join with the sandboxes' `gpus` label.
 */
import { Gauge, type Registry } from 'prom-client';
import type { GpuReading } from '../machines/gpu/nvidia-smi.js';
import type { Machine, MachineRegistry } from '../machines/registry.js';


export interface Allocation {
  cpus: number;
  memoryBytes: number;
  gpus: number;
}

export function registerMachineSeries(
  registry: Registry,
  machines: Pick<MachineRegistry, 'list' | 'capacities'>,
  allocation: (machine: string) => Allocation,
): void {
  const registers = [registry];
  const capacityOf = (name: string) => machines.capacities().find((c) => c.name === name);

  const perMachine = (name: string, help: string, value: (m: Machine) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['machine'],
      registers,
      collect() {
        this.reset();
        for (const m of machines.list()) {
          const v = value(m);
          if (v !== null) this.set({ machine: m.name }, v);
        }
      },
    });

  perMachine('shiva_machine_up', 'Whether the machine\'s engine answered its last check (1) or not (0)', (m) => (m.status === 'up' ? 1 : 0));
  perMachine('shiva_machine_homes_ready', 'Whether the machine saw the shared homes at its last homes check (1) or not (0); absent while unchecked or with homes.check none', (m) =>
    m.homes === null ? null : m.homes.ready ? 1 : 0,
  );
  perMachine('shiva_machine_capacity_cpus', 'CPU requests sandboxes may hold in all on the machine (less what is reserved, times cpuOvercommit, within its caps)', (m) =>
    m.info ? (capacityOf(m.name)?.cpus ?? null) : null,
  );
  perMachine('shiva_machine_capacity_memory_bytes', 'Memory sandboxes may use in all on the machine', (m) =>
    m.info ? (capacityOf(m.name)?.memoryBytes ?? null) : null,
  );
  perMachine('shiva_machine_allocated_cpus', 'CPU requests live sandboxes on the machine hold', (m) => allocation(m.name).cpus);
  perMachine('shiva_machine_allocated_memory_bytes', 'Memory live sandboxes on the machine hold', (m) => allocation(m.name).memoryBytes);
  perMachine('shiva_machine_gpus', 'GPUs the machine has', (m) => m.gpus.length);
  perMachine('shiva_machine_allocated_gpus', 'GPUs of the machine that live sandboxes hold', (m) => allocation(m.name).gpus);

  const perGpu = (name: string, help: string, value: (g: GpuReading) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['machine', 'gpu', 'uuid'],
      registers,
      collect() {
        this.reset();
        for (const m of machines.list()) {
          for (const g of m.gpus) {
            const v = value(g);
            if (v !== null) this.set({ machine: m.name, gpu: String(g.index), uuid: g.uuid }, v);
          }
        }
      },
    });
  perGpu('shiva_gpu_utilization_percent', 'Share of time the GPU was busy, 0-100, as nvidia-smi and DCGM report it', (g) => g.utilizationPercent);
  perGpu('shiva_gpu_memory_used_bytes', 'GPU memory in use', (g) => g.memoryUsedBytes);
  perGpu('shiva_gpu_memory_total_bytes', 'GPU memory in all', (g) => g.memoryTotalBytes);
  perGpu('shiva_gpu_temperature_celsius', 'GPU temperature', (g) => g.temperatureC);
  perGpu('shiva_gpu_power_watts', 'GPU power draw', (g) => g.powerDrawW);
}
