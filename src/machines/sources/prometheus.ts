/**
 * A machine's usage and GPUs read through PromQL: node_exporter series for the machine, DCGM
 * exporter series for its GPUs. This is how the hub sees machines it reaches only through their
 * engine (their /proc is out of reach) and GPUs where nvidia-smi cannot be run.
 */
import type { MachineUsage } from '../../contract/api.js';
import type { GpuReading } from '../gpu/nvidia-smi.js';
import { VIRTUAL_INTERFACES } from '../host-usage.js';
import { PromQL, PrometheusError, promString, type PromQLOptions, type VectorSample } from './promql.js';


/** irate takes the last two samples in the window, so any scrape interval up to 2.5 minutes works. */
const WINDOW = '5m';

const MiB = 1024 * 1024;

/** The PromQL of each part of a machine's usage, for the node_exporter series of `instance`. */
export function usageQueries(instance: string) {
  const i = `instance=${promString(instance)}`;
  const rate = (metric: string, extra = '') => `sum(irate(${metric}{${i}${extra}}[${WINDOW}]))`;
  return {
    // Idle and iowait are not busy, as the hub's own /proc reader counts them.
    cpu: `100 * (1 - ${rate('node_cpu_seconds_total', ',mode=~"idle|iowait"')} / ${rate('node_cpu_seconds_total')})`,
    memory: `{__name__=~"node_memory_MemTotal_bytes|node_memory_MemAvailable_bytes",${i}}`,
    filesystem: `{__name__=~"node_filesystem_size_bytes|node_filesystem_free_bytes",${i},mountpoint="/"}`,
    receive: rate('node_network_receive_bytes_total', `,device!~"${VIRTUAL_INTERFACES}"`),
    transmit: rate('node_network_transmit_bytes_total', `,device!~"${VIRTUAL_INTERFACES}"`),
    temperatures: `{__name__=~"node_hwmon_temp_celsius|node_thermal_zone_temp",${i}}`,
  };
}

export type UsageResults = Record<keyof ReturnType<typeof usageQueries>, VectorSample[]>;

/** The DCGM exporter series of the GPUs of the host its `Hostname` label names. */
export function gpuQuery(hostname: string): string {
  return `{__name__=~"DCGM_FI_DEV_(GPU_UTIL|FB_USED|FB_FREE|FB_RESERVED|GPU_TEMP|POWER_USAGE)",Hostname=${promString(hostname)}}`;
}

/**
 * A machine's usage from the answers to usageQueries(). `where` names the server in messages.
 * Without memory series the instance is not scraped (or named otherwise); without a CPU figure
 * only one scrape has happened yet; both are errors that say so.
 */
export function usageFromResults(where: string, instance: string, results: UsageResults, at = new Date()): MachineUsage {
  const byName = (samples: VectorSample[], name: string) => samples.find((s) => s.labels.__name__ === name)?.value;
  const memTotal = byName(results.memory, 'node_memory_MemTotal_bytes');
  const memAvailable = byName(results.memory, 'node_memory_MemAvailable_bytes');
  if (memTotal === undefined || memAvailable === undefined) {
    throw new PrometheusError(
      `${where} has no node_exporter series for instance "${instance}": check that node_exporter is scraped and that its instance label is exactly this`,
    );
  }
  const cpu = results.cpu[0]?.value;
  if (cpu === undefined) {
    throw new PrometheusError(`${where} has no CPU figure for instance "${instance}" yet: node_cpu_seconds_total needs two scrapes`);
  }
  const disk = rootFilesystem(results.filesystem);
  if (!disk) throw new PrometheusError(`${where} has no node_filesystem series for the mount point / of instance "${instance}"`);
  return {
    cpuPercent: Math.round(Math.min(100, Math.max(0, cpu)) * 10) / 10,
    memoryUsedBytes: memTotal - memAvailable,
    diskUsedBytes: disk.size - disk.free,
    diskTotalBytes: disk.size,
    networkReceiveBytesPerSecond: results.receive[0]?.value ?? null,
    networkTransmitBytesPerSecond: results.transmit[0]?.value ?? null,
    temperaturesC: temperatures(results.temperatures),
    source: 'prometheus',
    at: at.toISOString(),
  };
}

/** Size and free space of `/`; where several file systems claim it (rootfs under a real one), the largest. */
function rootFilesystem(samples: VectorSample[]): { size: number; free: number } | null {
  const byDevice = new Map<string, { size?: number; free?: number }>();
  for (const s of samples) {
    const key = `${s.labels.device ?? ''}\u0000${s.labels.fstype ?? ''}`;
    const entry = byDevice.get(key) ?? {};
    if (s.labels.__name__ === 'node_filesystem_size_bytes') entry.size = s.value;
    else entry.free = s.value;
    byDevice.set(key, entry);
  }
  let best: { size: number; free: number } | null = null;
  for (const { size, free } of byDevice.values()) {
    if (size !== undefined && free !== undefined && (!best || size > best.size)) best = { size, free };
  }
  return best;
}

/** hwmon sensors by chip and sensor, thermal zones by type; sorted, so the list does not reorder between readings. */
function temperatures(samples: VectorSample[]): Array<{ sensor: string; celsius: number }> {
  const out = samples.map((s) => ({
    sensor:
      s.labels.__name__ === 'node_thermal_zone_temp'
        ? (s.labels.type ?? `zone ${s.labels.zone ?? '?'}`)
        : `${s.labels.chip ?? 'hwmon'} ${s.labels.sensor ?? ''}`.trim(),
    celsius: s.value,
  }));
  return out.sort((a, b) => a.sensor.localeCompare(b.sensor));
}

/**
 * GPUs from DCGM exporter series: framebuffer figures are MiB, power watts. Series of MIG
 * instances (with a GPU_I_ID label) are left out: a sandbox is given whole GPUs here.
 */
export function gpusFromSeries(samples: VectorSample[]): GpuReading[] {
  const gpus = new Map<string, { labels: Record<string, string>; values: Record<string, number> }>();
  for (const s of samples) {
    if (s.labels.GPU_I_ID) continue;
    const key = s.labels.UUID ?? `gpu${s.labels.gpu ?? '?'}`;
    const gpu = gpus.get(key) ?? { labels: s.labels, values: {} };
    gpu.values[s.labels.__name__ ?? ''] = s.value;
    gpus.set(key, gpu);
  }
  const readings: GpuReading[] = [];
  for (const [key, { labels, values }] of gpus) {
    const used = values.DCGM_FI_DEV_FB_USED;
    const free = values.DCGM_FI_DEV_FB_FREE;
    const reserved = values.DCGM_FI_DEV_FB_RESERVED ?? 0;
    readings.push({
      index: Number(labels.gpu ?? -1),
      uuid: labels.UUID ?? key,
      name: labels.modelName ?? 'GPU',
      memoryTotalBytes: used !== undefined && free !== undefined ? (used + free + reserved) * MiB : 0,
      memoryUsedBytes: used !== undefined ? used * MiB : null,
      utilizationPercent: values.DCGM_FI_DEV_GPU_UTIL ?? null,
      temperatureC: values.DCGM_FI_DEV_GPU_TEMP ?? null,
      powerDrawW: values.DCGM_FI_DEV_POWER_USAGE ?? null,
    });
  }
  return readings.sort((a, b) => a.index - b.index);
}

/** The host part of an instance label (`gpu1:9100` → `gpu1`), the DCGM exporter's Hostname by default. */
export function hostOf(instance: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (bracketed) return bracketed[1]!;
  return instance.replace(/:\d+$/, '');
}

export class PrometheusSource {
  readonly promql: PromQL;

  constructor(options: PromQLOptions) {
    this.promql = new PromQL(options);
  }

  private get where(): string {
    return `Prometheus at ${this.promql.url}`;
  }

  /** The machine's usage from its node_exporter series; throws PrometheusError with what is missing. */
  async readUsage(instance: string): Promise<MachineUsage> {
    const queries = usageQueries(instance);
    const keys = Object.keys(queries) as Array<keyof typeof queries>;
    const answers = await Promise.all(keys.map((k) => this.promql.query(queries[k])));
    const results = Object.fromEntries(keys.map((k, n) => [k, answers[n]!])) as UsageResults;
    return usageFromResults(this.where, instance, results);
  }

  /** The GPUs of the host whose DCGM exporter series carry Hostname=`hostname`; none is an error. */
  async readGpus(hostname: string): Promise<GpuReading[]> {
    const gpus = gpusFromSeries(await this.promql.query(gpuQuery(hostname)));
    if (gpus.length === 0) {
      throw new PrometheusError(`${this.where} has no DCGM exporter series with Hostname="${hostname}" (set the machine's prometheus.gpuHostname to its Hostname label)`);
    }
    return gpus;
  }
}

