import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { capacityOf, MachineRegistry, type Machine } from './registry.js';

const GiB = 1024 ** 3;
const H200 = readFileSync(new URL('../../test/fixtures/nvidia-smi/h200-query-gpu.csv', import.meta.url), 'utf8');

function registry(machines: unknown[], runtimes: Record<string, FakeRuntime>, containerGpuReadEveryMs?: number, imageRefs?: () => string[]) {
  const config = parseConfig({ dataDir: os.tmpdir(), machines, health: { intervalSeconds: 15, timeoutSeconds: 0.05, historyMinutes: 1 } });
  return MachineRegistry.fromConfig(config, (entry) => runtimes[entry.name]!, { nvidiaSmi: '/nonexistent/nvidia-smi', containerGpuReadEveryMs, imageRefs });
}

describe('machine registry', () => {
  it('gives sandboxes the engine figures less the reserve, times the CPU overcommit, within the caps', () => {
    const entry = parseConfig({ machines: [{ name: 'm', docker: 'tcp://m:2376', reserved: { cpus: 2, memoryGiB: 8 }, max: { memoryGiB: 100, sandboxes: 4 } }] }).machines[0]!;
    const machine: Pick<Machine, 'name' | 'entry' | 'status' | 'info' | 'gpus'> = {
      name: 'm',
      entry,
      status: 'up',
      info: { name: 'm', version: '27', cpus: 64, memoryBytes: 512 * GiB, operatingSystem: 'Debian', runtimes: ['runc'] },
      gpus: [],
    };
    expect(capacityOf(machine, 2)).toEqual({ name: 'm', up: true, cpus: 124, memoryBytes: 100 * GiB, gpus: [], shareGpus: false, sandboxes: 4, cpusPerSandbox: 64 });
    expect(capacityOf({ ...machine, status: 'down' }, 1).up).toBe(false);
  });

  it('tells listeners when a machine goes down and comes back, not at its first check', async () => {
    const runtime = new FakeRuntime();
    const machines = registry([{ name: 'one', docker: 'tcp://one:2376' }], { one: runtime });
    const heard: string[] = [];
    machines.onStatusChange((m) => heard.push(`${m.name} ${m.status}`));
    await machines.refresh();
    expect(machines.get('one')!.status).toBe('up');
    runtime.down = true;
    await machines.refresh();
    const down = machines.get('one')!;
    expect(down.status).toBe('down');
    expect(down.lastSeenAt).not.toBeNull();
    runtime.down = false;
    await machines.refresh();
    expect(heard).toEqual(['one down', 'one up']);
    expect(machines.get('one')!.error).toBeNull();
    expect(machines.get('one')!.history.list()).toHaveLength(2);
  });

  it('gives an engine that is only slow a second chance before it is down', async () => {
    const runtime = new FakeRuntime();
    const machines = registry([{ name: 'busy', docker: 'tcp://busy:2376' }], { busy: runtime });
    await machines.refresh();
    const info = runtime.info.bind(runtime);
    runtime.info = () => new Promise(() => undefined);
    await machines.refresh();
    expect(machines.get('busy')).toMatchObject({ status: 'up', error: 'no answer within 0.05 s' });
    await machines.refresh();
    expect(machines.get('busy')!.status).toBe('down');
    runtime.info = info;
    await machines.refresh();
    expect(machines.get('busy')).toMatchObject({ status: 'up', error: null });
  });

  it('reads GPUs with nvidia-smi in a container where the engine has the NVIDIA runtime', async () => {
    const runtime = new FakeRuntime();
    const info = runtime.info.bind(runtime);
    runtime.info = async () => ({ ...(await info()), runtimes: ['runc', 'nvidia'] });
    const jobs: unknown[] = [];
    runtime.jobResult = (job) => {
      jobs.push(job);
      return { exitCode: 0, output: H200 };
    };
    const machines = registry([{ name: 'gpu1', docker: 'tcp://gpu1:2376' }], { gpu1: runtime });
    await machines.refresh();
    const m = machines.get('gpu1')!;
    expect(m.gpuSource).toBe('nvidia-smi-container');
    expect(m.gpus.length).toBeGreaterThan(0);
    expect(m.gpus[0]!.uuid).toMatch(/^GPU-/);
    expect(jobs[0]).toMatchObject({ command: expect.arrayContaining(['nvidia-smi']), allGpus: true });
    expect(machines.capacities()[0]!.gpus).toEqual(m.gpus.map((g) => g.uuid));
    // Not again within the minute: a container start per health check would be a waste.
    await machines.refresh();
    expect(jobs).toHaveLength(1);
  });

  it('tells GPU reading listeners of each new reading, not of a list kept from an earlier one', async () => {
    const runtime = new FakeRuntime();
    const info = runtime.info.bind(runtime);
    runtime.info = async () => ({ ...(await info()), runtimes: ['runc', 'nvidia'] });
    runtime.jobResult = () => ({ exitCode: 0, output: H200.replace(/, 0, 36,/, ', 87, 36,') });
    const machines = registry([{ name: 'gpu1', docker: 'tcp://gpu1:2376' }], { gpu1: runtime });
    const heard: Array<{ at: string | null; percent: number | null }> = [];
    machines.onGpuReading((m) => heard.push({ at: m.gpusAt, percent: m.gpus[0]!.utilizationPercent }));
    await machines.refresh();
    await machines.refresh();
    expect(heard).toEqual([{ at: machines.get('gpu1')!.gpusAt, percent: 87 }]);
  });

  it('keeps the last GPU list when a reading fails, and says why', async () => {
    const runtime = new FakeRuntime();
    runtime.info = async () => ({ name: 'g', version: '0', cpus: 8, memoryBytes: 16 * GiB, operatingSystem: 'fake', runtimes: ['nvidia'] });
    let fail = false;
    runtime.jobResult = () => (fail ? { exitCode: 9, output: 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' } : { exitCode: 0, output: H200 });
    const machines = registry([{ name: 'g', docker: 'tcp://g:2376', gpus: { source: 'nvidia-smi' } }], { g: runtime }, 0);
    await machines.refresh();
    const count = machines.get('g')!.gpus.length;
    fail = true;
    await machines.refresh();
    expect(machines.get('g')!.gpus).toHaveLength(count);
    expect(machines.get('g')!.gpuError).toContain('could not communicate with the NVIDIA driver');
  });

  it("keeps a machine's catalogue images from its first check, lists them again when it comes back or when asked, and keeps the last listing when one fails", async () => {
    const runtime = new FakeRuntime({ images: { 'shiva/tiny:latest': {}, 'shiva/other:1': {} } });
    let listings = 0;
    const list = runtime.listImages.bind(runtime);
    runtime.listImages = () => (listings++, list());
    const machines = registry([{ name: 'one', docker: 'tcp://one:2376' }], { one: runtime }, undefined, () => ['shiva/tiny', 'shiva/absent:1']);
    await machines.refresh();
    const first = machines.get('one')!.images!;
    expect([...first.present.keys()]).toEqual(['shiva/tiny']);
    expect(first.present.get('shiva/tiny')).toMatchObject({ id: 'sha256:shiva/tiny:latest', sizeBytes: expect.any(Number) });
    // Not at every health check.
    await machines.refresh();
    expect(listings).toBe(1);
    runtime.down = true;
    await machines.refresh();
    expect(machines.get('one')!.images).toBe(first);
    runtime.down = false;
    runtime.images.set('shiva/absent:1', {});
    await machines.refresh();
    expect(listings).toBe(2);
    expect([...machines.get('one')!.images!.present.keys()]).toEqual(['shiva/tiny', 'shiva/absent:1']);
    runtime.images.delete('shiva/absent:1');
    await machines.refreshImages(machines.get('one')!);
    expect([...machines.get('one')!.images!.present.keys()]).toEqual(['shiva/tiny']);
  });
});
