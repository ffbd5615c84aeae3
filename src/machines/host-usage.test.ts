import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostUsageReader, parseCpuLine, parseMeminfo, parseNetDev, readTemperatures } from './host-usage.js';

describe('host usage', () => {
  it('counts idle and iowait as not busy', () => {
    expect(parseCpuLine('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n')).toEqual({ busy: 150, total: 1000 });
  });

  it('uses MemAvailable, not MemFree, for what is left', () => {
    const info = 'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n';
    expect(parseMeminfo(info)).toEqual({ total: 16000000 * 1024, available: 8000000 * 1024 });
  });

  it("reads this machine's CPU, memory and disk", async () => {
    const usage = await new HostUsageReader(os.tmpdir()).read();
    expect(usage.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(usage.cpuPercent).toBeLessThanOrEqual(100);
    expect(usage.memoryTotalBytes).toBe(os.totalmem());
    expect(usage.diskUsedBytes).toBeGreaterThan(0);
    expect(usage.diskTotalBytes).toBeGreaterThan(usage.diskUsedBytes);
  });

  it('counts the machine\'s own interfaces, not loopback, veths or bridges', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 5000 10 0 0 0 0 0 0 5000 10 0 0 0 0 0 0',
      '  eth0: 1000 10 0 0 0 0 0 0 2000 10 0 0 0 0 0 0',
      '  ens5: 300 3 0 0 0 0 0 0 400 4 0 0 0 0 0 0',
      'docker0: 9999 1 0 0 0 0 0 0 9999 1 0 0 0 0 0 0',
      'veth12ab: 7777 1 0 0 0 0 0 0 7777 1 0 0 0 0 0 0',
    ].join('\n');
    expect(parseNetDev(text)).toEqual({ receive: 1300, transmit: 2400 });
  });

  it('reads hwmon temperatures by chip and label, else thermal zones', async () => {
    const sys = mkdtempSync(path.join(os.tmpdir(), 'shiva-sys-'));
    const zone = path.join(sys, 'class/thermal/thermal_zone0');
    mkdirSync(zone, { recursive: true });
    writeFileSync(path.join(zone, 'type'), 'x86_pkg_temp\n');
    writeFileSync(path.join(zone, 'temp'), '51000\n');
    const broken = path.join(sys, 'class/thermal/thermal_zone1');
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, 'type'), 'acpitz\n');
    writeFileSync(path.join(broken, 'temp'), '');
    expect(await readTemperatures(sys)).toEqual([{ sensor: 'x86_pkg_temp', celsius: 51 }]);
    const chip = path.join(sys, 'class/hwmon/hwmon0');
    mkdirSync(chip, { recursive: true });
    writeFileSync(path.join(chip, 'name'), 'coretemp\n');
    writeFileSync(path.join(chip, 'temp1_input'), '45500\n');
    writeFileSync(path.join(chip, 'temp1_label'), 'Package id 0\n');
    expect(await readTemperatures(sys)).toEqual([{ sensor: 'coretemp Package id 0', celsius: 45.5 }]);
  });

  it('gives network rates from the second read on', async () => {
    const reader = new HostUsageReader(os.tmpdir());
    const first = await reader.read();
    expect(first.networkReceiveBytesPerSecond).toBeNull();
    const second = await reader.read();
    expect(second.networkReceiveBytesPerSecond).toBeGreaterThanOrEqual(0);
    expect(second.networkTransmitBytesPerSecond).toBeGreaterThanOrEqual(0);
  });
});
