/**
 * What an open Machines tab fetches in a minute from a hub with `machines` machines, each with an
 * hour of history: the dashboard's polls (the list and the history since its last cursor every
 * 5 s, each revalidated with If-None-Match as the browser does) while a health check adds a
 * sample to every machine (eight GPUs each) every 15 s. Bodies are counted, as they come over loopback; fake
 * runtimes stand in for the engines. The baseline is what the same minute cost when every poll
 * carried each machine's whole hour: the list and the full history, twelve times.
 */
import type { MachineUsage } from '../../src/contract/api.js';
import type { GpuReading } from '../../src/machines/gpu/nvidia-smi.js';
import { sampleOf } from '../../src/machines/history.js';
import { FakeRuntime } from '../../src/runtime/fake/fake-runtime.js';
import { startTestHub } from '../../test/support/hub.js';

const POLL_MS = 5_000;
const HEALTH_MS = 15_000;

/** A machine's usage as a health check at `ms` into the minute reads it. */
const usageAt = (ms: number): MachineUsage => ({
  cpuPercent: 20 + ((ms / 1000) % 60),
  memoryUsedBytes: 2 ** 36 + ms,
  source: 'host',
  diskUsedBytes: 2 ** 39 + ms,
  diskTotalBytes: 2 ** 41,
  networkReceiveBytesPerSecond: 1e6 + ms,
  networkTransmitBytesPerSecond: 2e6 + ms,
  temperaturesC: [],
  at: new Date(Date.now() + ms).toISOString(),
});

/** Eight H200s as nvidia-smi reads them at `ms` into the minute. */
const gpusAt = (ms: number): GpuReading[] =>
  Array.from({ length: 8 }, (_, index) => ({
    index,
    uuid: `GPU-${String(index).padStart(8, '0')}-0000-0000-0000-000000000000`,
    name: 'NVIDIA H200',
    memoryTotalBytes: 150_754_820_096,
    memoryUsedBytes: 2 ** 34 + ms,
    utilizationPercent: (index * 10 + ms / 1000) % 100,
    temperatureC: 40 + index,
    powerDrawW: 300 + index,
  }));

export async function machinesTabBytesPerMinute(machines: number): Promise<{ bytesPerMinute: number; baselinePerMinute: number; describe: string }> {
  const fake = new FakeRuntime();
  const t = await startTestHub({
    makeRuntime: () => fake,
    config: {
      machines: Array.from({ length: machines }, (_, i) => ({ name: `gpu-${String(i + 1).padStart(2, '0')}`, docker: `tcp://10.0.${i}.1:2376`, gpus: { source: 'none' } })),
      homes: { check: 'none' },
    },
  });
  try {
    for (const m of t.hub.machines.list()) {
      m.gpus = gpusAt(0);
      for (let i = 0; i < t.hub.machines.historySamples; i++) {
        m.history.add(sampleOf(new Date(Date.now() - (t.hub.machines.historySamples - i) * HEALTH_MS).toISOString(), { cpuPercent: 10 + (i % 80), memoryUsedBytes: 2 ** 35 + i }, m.gpus));
      }
    }
    const tags = new Map<string, string>();
    let bytes = 0;
    /** A GET as the browser makes it: revalidated with the last ETag of that URL. */
    const get = async (path: string): Promise<string | null> => {
      const tag = tags.get(path);
      const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${t.adminToken}`, ...(tag ? { 'if-none-match': tag } : {}) } });
      const body = Buffer.from(await res.arrayBuffer());
      bytes += body.length;
      const etag = res.headers.get('etag');
      if (etag) tags.set(path, etag);
      return res.status === 200 ? body.toString('utf8') : null;
    };
    // Opening the page: the list and the whole hour, once.
    await get('/api/machines');
    let cursor = (JSON.parse((await get('/api/machines/history'))!) as { cursor: string }).cursor;
    const opened = bytes;
    const listBytes = Buffer.byteLength(await fetch(`${t.url}/api/machines`, { headers: { authorization: `Bearer ${t.adminToken}` } }).then((r) => r.text()));
    bytes = 0;
    for (let at = POLL_MS; at <= 60_000; at += POLL_MS) {
      if (at % HEALTH_MS === 0) {
        // A health check: every machine's usage moves (the fake engines report none of their own).
        await t.hub.machines.refresh();
        for (const m of t.hub.machines.list()) {
          m.usage = usageAt(at);
          m.gpus = gpusAt(at);
        }
      }
      await get('/api/machines');
      const page = await get(`/api/machines/history?since=${encodeURIComponent(cursor)}`);
      if (page) cursor = (JSON.parse(page) as { cursor: string }).cursor;
    }
    const polls = 60_000 / POLL_MS;
    const baselinePerMinute = polls * (listBytes + (opened - listBytes));
    return {
      bytesPerMinute: bytes,
      baselinePerMinute,
      describe: `${machines} machines, an hour of history each: opening the page ${(opened / 1024).toFixed(0)} KiB once; then ${(bytes / 1024).toFixed(1)} KiB per minute, against ${(baselinePerMinute / 1024).toFixed(0)} KiB per minute when each poll carried the hour (${(baselinePerMinute / Math.max(1, bytes)).toFixed(0)}x)`,
    };
  } finally {
    await t.close();
    await fake.closeAll();
  }
}
