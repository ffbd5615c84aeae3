/**
 * What the hub's own machine is using, read from /proc and the file system. Machines the hub
 * reaches only through their engine report no usage until a metrics source covers them.
 */
import { readFile, statfs } from 'node:fs/promises';

export interface HostUsage {
  cpuPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  at: string;
}

interface CpuSample {
  busy: number;
  total: number;
}

/** Reads host usage; CPU is the share busy since the previous call (or over a short first window). */
export class HostUsageReader {
  private previous: CpuSample | null = null;

  constructor(
    private readonly diskPath: string,
    private readonly procRoot = '/proc',
  ) {}

  async read(): Promise<HostUsage> {
    let before = this.previous;
    if (!before) {
      before = await this.cpu();
      await new Promise((r) => setTimeout(r, 200));
    }
    const now = await this.cpu();
    this.previous = now;
    const total = now.total - before.total;
    const cpuPercent = total > 0 ? Math.round(((now.busy - before.busy) / total) * 1000) / 10 : 0;
    const memory = parseMeminfo(await readFile(`${this.procRoot}/meminfo`, 'utf8'));
    const disk = await statfs(this.diskPath);
    return {
      cpuPercent,
      memoryUsedBytes: memory.total - memory.available,
      memoryTotalBytes: memory.total,
      diskUsedBytes: (disk.blocks - disk.bfree) * disk.bsize,
      diskTotalBytes: disk.blocks * disk.bsize,
      at: new Date().toISOString(),
    };
  }

  private async cpu(): Promise<CpuSample> {
    return parseCpuLine(await readFile(`${this.procRoot}/stat`, 'utf8'));
  }
}

/** The aggregate `cpu` line of /proc/stat: idle and iowait are not busy. */
export function parseCpuLine(stat: string): CpuSample {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export function parseMeminfo(meminfo: string): { total: number; available: number } {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo);
    if (!m) throw new Error(`no ${key} in /proc/meminfo`);
    return Number(m[1]) * 1024;
  };
  return { total: kib('MemTotal'), available: kib('MemAvailable') };
}
