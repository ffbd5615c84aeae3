/**
 * Reading GPUs from `nvidia-smi --query-gpu=… --format=csv,noheader,nounits`. Drivers differ in
 * what they fill in: a field may be `[N/A]`, `[Not Supported]`, `[Unknown Error]` or carry a
 * unit when `nounits` was not given; every such value becomes null rather than a wrong number.
 */

/** The query the hub runs; the parser expects the fields in this order. */
export const NVIDIA_SMI_FIELDS = [
  'index',
  'uuid',
  'name',
  'memory.total',
  'memory.used',
  'utilization.gpu',
  'temperature.gpu',
  'power.draw',
] as const;

export const NVIDIA_SMI_ARGS = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

export interface GpuReading {
  index: number;
  uuid: string;
  name: string;
  memoryTotalBytes: number;
  memoryUsedBytes: number | null;
  utilizationPercent: number | null;
  temperatureC: number | null;
  powerDrawW: number | null;
}

const MiB = 1024 * 1024;

export class NvidiaSmiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NvidiaSmiError';
  }
}

/** Parses the CSV; a header line (from a query without `noheader`) is skipped. */
export function parseNvidiaSmi(output: string): GpuReading[] {
  const gpus: GpuReading[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('index')) continue;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== NVIDIA_SMI_FIELDS.length) {
      // nvidia-smi reports driver trouble as a sentence on stdout, not as CSV.
      throw new NvidiaSmiError(`nvidia-smi did not list GPUs: ${line}`);
    }
    const [index, uuid, name, total, used, util, temp, power] = fields as [string, ...string[]];
    const memoryTotal = number(total!);
    if (number(index) === null || !uuid || memoryTotal === null) throw new NvidiaSmiError(`nvidia-smi line not understood: ${line}`);
    gpus.push({
      index: number(index)!,
      uuid: uuid!,
      name: name!,
      memoryTotalBytes: memoryTotal * MiB,
      memoryUsedBytes: scaled(number(used!), MiB),
      utilizationPercent: number(util!),
      temperatureC: number(temp!),
      powerDrawW: number(power!),
    });
  }
  return gpus.sort((a, b) => a.index - b.index);
}

/** A number, or null for `[N/A]`, `[Not Supported]` and the like; units after the number are dropped. */
function number(field: string): number | null {
  if (!field || field.startsWith('[') || /^n\/?a$/i.test(field)) return null;
  const m = /^-?\d+(?:\.\d+)?/.exec(field);
  return m ? Number(m[0]) : null;
}

const scaled = (value: number | null, factor: number): number | null => (value === null ? null : value * factor);
