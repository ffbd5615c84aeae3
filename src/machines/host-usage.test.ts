import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { HostUsageReader, parseCpuLine, parseMeminfo } from './host-usage.js';

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
});
