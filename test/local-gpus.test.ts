/** The hub's own machine reports its GPUs from nvidia-smi; without it, none. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, MachineHistoryPage } from '../src/contract/api.js';
import { readLocalGpus } from '../src/machines/gpu/local-gpus.js';
import { FakeRuntime } from '../src/runtime/fake/fake-runtime.js';
import { startTestHub, type TestHub } from './support/hub.js';

const fakeSmi = path.resolve(import.meta.dirname, 'fixtures/bin/nvidia-smi-h200');

describe('GPUs of the hub machine', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ makeRuntime: () => new FakeRuntime(), nvidiaSmi: fakeSmi });
  });
  afterAll(async () => t.close());

  it('lists the GPUs nvidia-smi reports in /api/machines', async () => {
    const machines = await t.api<Array<{ gpus: Array<Record<string, unknown>> }>>(t.adminToken, 'GET', '/api/machines');
    expect(machines.body[0]!.gpus).toEqual([
      {
        index: 0,
        uuid: 'GPU-c26116c0-e81f-15c6-f909-9bea8c4a4dde',
        name: 'NVIDIA H200',
        memoryTotalBytes: 143771 * 1024 * 1024,
        memoryUsedBytes: 0,
        utilizationPercent: 0,
        temperatureC: 36,
        powerDrawW: 124.34,
        holders: [],
      },
    ]);
    const [machine] = (await t.api<Machine[]>(t.adminToken, 'GET', '/api/machines')).body;
    expect(machine).toMatchObject({ gpuMode: 'deviceRequests', capacity: { gpus: 1 }, free: { gpus: 1 }, allocated: { gpus: 0 } });
    expect(machine!.gpusAt).not.toBeNull();
    const history = (await t.api<MachineHistoryPage>(t.adminToken, 'GET', '/api/machines/history')).body;
    expect(history.machines.find((m) => m.name === machine!.name)!.samples.at(-1)).toMatchObject({ gpuUtilizationPercent: 0, gpuMemoryUsedBytes: 0 });
  });

  it('has no GPUs where nvidia-smi is not installed', async () => {
    expect(await readLocalGpus('/nonexistent/nvidia-smi')).toEqual([]);
  });
});
