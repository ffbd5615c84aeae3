/**
 * What the hub's own machine is using, read from /proc and the file system. Machines the hub
 * reaches only through their engine report no usage until a metrics source covers them.
 */
import { readdir, readFile, statfs } from 'node:fs/promises';

export interface HostUsage {
  cpuPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  /** Bytes per second over the interfaces that carry the machine's own traffic; null on the first read. */
  networkReceiveBytesPerSecond: number | null;
  networkTransmitBytesPerSecond: number | null;
  temperaturesC: Array<{ sensor: string; celsius: number }>;
  at: string;
}

/**
 * Interfaces of container networking (and loopback): what crosses them also crosses a physical
 * interface, or never leaves the machine. One list for /proc/net/dev and for PromQL.
 */
export const VIRTUAL_INTERFACES = 'lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*|cali.*|vxlan.*|ifb.*';
const VIRTUAL_INTERFACE = new RegExp(`^(${VIRTUAL_INTERFACES})$`);

interface NetworkSample {
  receive: number;
  transmit: number;
  at: number;
}

interface CpuSample {
  busy: number;
  total: number;
}

/** Reads host usage; CPU is the share busy since the previous call (or over a short first window). */
export class HostUsageReader {
  private previous: CpuSample | null = null;
  private previousNetwork: NetworkSample | null = null;

  constructor(
    private readonly diskPath: string,
    private readonly procRoot = '/proc',
    private readonly sysRoot = '/sys',
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
    const network = { ...parseNetDev(await readFile(`${this.procRoot}/net/dev`, 'utf8')), at: Date.now() };
    const lastNetwork = this.previousNetwork;
    this.previousNetwork = network;
    const seconds = lastNetwork ? (network.at - lastNetwork.at) / 1000 : 0;
    const rate = (current: number, earlier: number) => (seconds > 0 && current >= earlier ? Math.round((current - earlier) / seconds) : null);
    return {
      cpuPercent,
      memoryUsedBytes: memory.total - memory.available,
      memoryTotalBytes: memory.total,
      diskUsedBytes: (disk.blocks - disk.bfree) * disk.bsize,
      diskTotalBytes: disk.blocks * disk.bsize,
      networkReceiveBytesPerSecond: lastNetwork ? rate(network.receive, lastNetwork.receive) : null,
      networkTransmitBytesPerSecond: lastNetwork ? rate(network.transmit, lastNetwork.transmit) : null,
      temperaturesC: await readTemperatures(this.sysRoot),
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

/**
 * Received and sent bytes over the interfaces that carry the machine's own traffic. Loopback,
 * container veths and engine bridges are left out: a container's traffic would otherwise be
 * counted once on its veth, once on the bridge and once more on the physical interface.
 */
export function parseNetDev(text: string): { receive: number; transmit: number } {
  let receive = 0;
  let transmit = 0;
  for (const line of text.split('\n').slice(2)) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    const name = match[1]!;
    if (VIRTUAL_INTERFACE.test(name)) continue;
    const fields = match[2]!.trim().split(/\s+/).map(Number);
    receive += fields[0] ?? 0;
    transmit += fields[8] ?? 0;
  }
  return { receive, transmit };
}

/** Temperatures from hwmon sensors (named by chip and label), else from thermal zones; none on most VMs. */
export async function readTemperatures(sysRoot = '/sys'): Promise<Array<{ sensor: string; celsius: number }>> {
  const readings: Array<{ sensor: string; celsius: number }> = [];
  const text = (file: string) => readFile(file, 'utf8').then((t) => t.trim()).catch(() => null);
  const hwmon = `${sysRoot}/class/hwmon`;
  for (const dir of await readdir(hwmon).catch(() => [] as string[])) {
    const chip = (await text(`${hwmon}/${dir}/name`)) ?? dir;
    for (const file of await readdir(`${hwmon}/${dir}`).catch(() => [] as string[])) {
      const input = /^temp(\d+)_input$/.exec(file);
      if (!input) continue;
      const milli = celsiusMilli(await text(`${hwmon}/${dir}/${file}`));
      if (milli === null) continue;
      const label = (await text(`${hwmon}/${dir}/temp${input[1]}_label`)) ?? `temp${input[1]}`;
      readings.push({ sensor: `${chip} ${label}`, celsius: milli / 1000 });
    }
  }
  if (readings.length > 0) return readings;
  const thermal = `${sysRoot}/class/thermal`;
  for (const zone of await readdir(thermal).catch(() => [] as string[])) {
    if (!zone.startsWith('thermal_zone')) continue;
    const milli = celsiusMilli(await text(`${thermal}/${zone}/temp`));
    if (milli === null) continue;
    readings.push({ sensor: (await text(`${thermal}/${zone}/type`)) ?? zone, celsius: milli / 1000 });
  }
  return readings;
}

/** A sensor file's thousandths of a degree; null for a sensor that cannot be read or is empty. */
function celsiusMilli(raw: string | null): number | null {
  if (raw === null || raw === '') return null;
  const milli = Number(raw);
  return Number.isFinite(milli) ? milli : null;
}
